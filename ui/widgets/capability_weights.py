"""Editor for the capability model's weights (设置 → 客服能力模型权重).

The widget only collects numbers; saving and resetting are the operations
:mod:`cxdesk.ops.weights` on the window's writer (:func:`cxdesk.analysis.capability.save_weights`
checks them and writes the user's copy of ``capability.json``; the CLI and the
客服绩效 page read the same file). A refusal is shown inline.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cxdesk.analysis.agent_metrics import DIMENSIONS
from cxdesk.analysis.capability_config import load_config, user_config_path
from cxdesk.errors import CxdeskError
from cxdesk.ops import weights as weight_ops
from ui.operations import OpRunner
from ui.widgets.settings_ops import run_and_wait


class CapabilityWeightsWidget(QWidget):
    """One spin box per dimension; 保存 writes them, 恢复默认 drops the user's weights."""

    sig_saved = Signal()

    def __init__(self, parent: QWidget | None = None, *, ops: OpRunner | None = None) -> None:
        super().__init__(parent)
        self.ops = ops  # the window's writer (None: on its own, the operations run here)
        self.setObjectName("capabilityWeights")
        title = QLabel("客服能力模型权重", self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        hint = QLabel(
            "综合得分 = 各维度得分按下面的权重加权平均（相对值，不必加起来等于 100）；"
            "缺数据的维度（如没有订单时的「转化」）不计入。",
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666;")
        grid = QGridLayout()
        self.boxes: dict[str, QDoubleSpinBox] = {}
        for i, (key, label) in enumerate(DIMENSIONS.items()):
            box = QDoubleSpinBox(self)
            box.setRange(0, 100)
            box.setDecimals(0)
            box.setObjectName(f"weight_{key}")
            self.boxes[key] = box
            grid.addWidget(QLabel(label, self), i // 3, (i % 3) * 2)
            grid.addWidget(box, i // 3, (i % 3) * 2 + 1)
        self.save_button = QPushButton("保存权重", self)
        self.reset_button = QPushButton("恢复默认", self)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.save_button.clicked.connect(self.save)
        self.reset_button.clicked.connect(self.reset)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        self.load()

    def load(self) -> None:
        try:
            weights = load_config().get("weights", {})
        except CxdeskError as exc:
            self._say(str(exc), error=True)
            return
        for key, box in self.boxes.items():
            box.setValue(float(weights.get(key, 0)))

    def weights(self) -> dict[str, float]:
        return {key: box.value() for key, box in self.boxes.items()}

    def save(self) -> bool:
        try:
            path = run_and_wait(self.ops, self, weight_ops.save, self.weights(), label="保存权重").value
        except CxdeskError as exc:
            self._say(str(exc), error=True)
            return False
        self._say(f"已保存到“{path}”，「客服绩效」页下次显示时按新权重计算。")
        self.sig_saved.emit()
        return True

    def reset(self) -> None:
        try:
            run_and_wait(self.ops, self, weight_ops.reset, label="恢复默认权重")
        except CxdeskError as exc:
            self._say(str(exc), error=True)
            return
        self.load()
        self._say(f"已恢复内置权重（{user_config_path().name} 中的其他自定义内容保留）。")
        self.sig_saved.emit()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")
        self.message.setText(text)
