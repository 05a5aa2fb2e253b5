"""The parts of the 导入 page (``ui.pages.import_page.ImportPage``).

``_tasks`` holds the reading jobs (detect, preview, error rows) and the
import operation's plain-data inputs, ``_run`` the import on the window's
writer, ``_file_list`` the file rows, ``_mapping_form`` the settings of one
file, ``_preview`` how records are shown, ``_results`` the result and history
tabs, ``_actions`` undo and the error-row export.
"""

from __future__ import annotations
