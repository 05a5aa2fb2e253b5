; Inno Setup 6 script for the cxdesk Windows installer (per user, no administrator rights).
; Saved as UTF-8 with a BOM so the compiler reads the Chinese text correctly.
;
;   python scripts\build --zip            (dist\cxdesk\ and the portable zip)
;   iscc installer\cxdesk.iss             (dist\cxdesk-<version>-setup.exe)
;
; The version is read from dist\cxdesk\cxdesk.exe's version resource, which build.spec
; generates from cxdesk.__version__ (scripts/version_file.py): one version source. Pass
; /DAppVersion=x.y.z to iscc to override it.
;
; Installs into %LOCALAPPDATA%\Programs\cxdesk. The user's data (database, backups, settings,
; log, cache) lives in %LOCALAPPDATA%\cxdesk, a different folder: an upgrade never touches it,
; and uninstalling keeps it unless the user says yes to deleting it.

#define AppName "cxdesk"
#define AppExe "cxdesk.exe"
#define DistDir SourcePath + "..\dist\cxdesk"
#ifndef AppVersion
  #define AppVersion GetVersionNumbersString(DistDir + "\" + AppExe)
#endif

[Setup]
; The AppId ties upgrades to earlier installs: never change it.
AppId={{6D2B9C1E-4F7A-4E55-9A51-0C8E5D3F19C4}
AppName={#AppName}
AppVerName={#AppName} {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=cxdesk
VersionInfoVersion={#AppVersion}
VersionInfoDescription=cxdesk 安装程序
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=cxdesk-{#AppVersion}-setup
SetupIconFile=..\resources\icon.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} 电商评价与客服会话分析
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Upgrade in place: close a running cxdesk (Restart Manager) before replacing its files.
CloseApplications=force
RestartApplications=no
ShowLanguageDialog=no

[Languages]
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[CustomMessages]
chs.DesktopIcon=在桌面上创建快捷方式
chs.LaunchApp=立即启动 cxdesk
chs.DeleteData=是否同时删除您的数据？数据文件夹：%1（包括数据库、备份、设置和日志）。选“否”会保留这些数据，重新安装后可以继续使用。
chs.AppComment=离线的电商评价与客服会话分析

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; Flags: unchecked

[InstallDelete]
; Files of the previous version that this one no longer ships.
Type: filesandordirs; Name: "{app}\_internal"
Type: filesandordirs; Name: "{app}\licenses"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "{cm:AppComment}"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program itself leaves in its install folder; never the data folder.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
function DataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\cxdesk');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  { Keep the user's data unless asked; a silent uninstall always keeps it. }
  if (CurUninstallStep = usPostUninstall) and DirExists(DataDir()) and not UninstallSilent() then
  begin
    if MsgBox(FmtMessage(CustomMessage('DeleteData'), [DataDir()]), mbConfirmation,
              MB_YESNO or MB_DEFBUTTON2) = IDYES then
      DelTree(DataDir(), True, True, True);
  end;
end;
