"""Each number's definition opens from its page: the ? buttons show docs/metrics.md (issue 17, point 5)."""

from __future__ import annotations

from cxdesk.metrics_doc import TOPICS, metrics_path, sections, topic_markdown
from ui.widgets.help_button import HelpButton


def test_every_topic_finds_its_sections_in_the_shipped_file() -> None:
    text = metrics_path().read_text("utf-8")
    for topic, headings in TOPICS.items():
        md = topic_markdown(topic)
        for heading in headings:
            assert f"## {heading}" in md, (topic, heading)
    risk = topic_markdown("risk")
    assert "### 会话分" in risk and "### 评价分" in risk and "## 指标" not in risk
    assert sections(text, ("没有这一节",)) == ""


def test_the_button_opens_the_definitions(qtbot) -> None:
    button = HelpButton("agents")
    qtbot.addWidget(button)
    dialog = button.show_help()
    text = dialog.browser.toPlainText()
    assert "能力模型" in text and "响应" in text and "与平台报表的差别" in text and "风险分" not in text
    assert dialog.windowTitle() == "客服绩效的指标怎么算"
    assert button.show_help() is dialog  # one dialog per button
    dialog.close()
