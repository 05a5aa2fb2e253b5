"""``python main.py search`` and ``buyer timeline``: what the search box and 买家时间线 show, on the command
line (personal data masked unless asked); output cut short by the reader (``| head``) is no error."""

from __future__ import annotations

import json
from pathlib import Path
import pytest

from cxdesk.analysis.engine import _run_chunks
from cxdesk.analysis.search_stage import run_search_index_stage
from cxdesk.cli import main as cli_main
from cxdesk.store import Store
from cxdesk.tasks import TaskContext
from test_search import _session

PHONE = "13812345678"


def _fill(store: Store) -> None:
    """A buyer who typed a phone number, the agent's answer, and a review; indexed as the analysis does."""
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "甲店")
        store.chats.insert_sessions(
            shop.id,
            None,
            [
                _session(
                    "s1", "张三丰88", "2024-05-01", [("buyer", f"运费谁出？我电话{PHONE}"), ("agent", "运费险会赔付")]
                ),
                _session("s2", "李四", "2024-05-02", [("buyer", "发票怎么开"), ("agent", "订单详情里申请")]),
            ],
        )
        store.reviews.insert_many(
            shop.id,
            None,
            [
                {
                    "review_key": "r1",
                    "content": "运费太贵了",
                    "rating": 2,
                    "buyer_nick": "王五",
                    "created_at": "2024-05-03 09:00:00",
                }
            ],  # fmt: skip
        )
    run_search_index_stage(TaskContext(), store, _run_chunks, 1)


def test_search_prints_the_hits_newest_first_with_personal_data_masked(store: Store, capsys) -> None:
    _fill(store)
    assert cli_main(["search", "运费", "--db", str(store.path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("找到 3 条（最新的在前），显示 3 条")
    assert [line.split("  ")[0] for line in out[1:]] == ["2024-05-03 09:00:00", "2024-05-01 10:01:00", "2024-05-01 10:00:00"]  # fmt: skip
    assert "评价·买家 王*：【运费】太贵了" in out[1] and "消息·客服 店:小美：【运费】险会赔付" in out[2]
    assert "消息·买家 张***8：【运费】谁出？我电话138****5678" in out[3]
    assert PHONE not in "\n".join(out) and "张三丰" not in "\n".join(out)


def test_search_filters_keep_personal_json_and_errors(store: Store, capsys) -> None:
    _fill(store)
    argv = ["search", "运费", "电话", "--kind", "message", "--role", "buyer", "--keep-personal", "--json"]
    assert cli_main([*argv, "--db", str(store.path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 1 and [h["who"] for h in data["hits"]] == ["张三丰88"]
    assert data["hits"][0]["text"] == f"运费谁出？我电话{PHONE}" and data["hits"][0]["snippet"].count("【") == 2
    assert cli_main(["search", "运费", "--limit", "1", "--db", str(store.path)]) == 0
    assert "还有 2 条：用 --limit 显示更多" in capsys.readouterr().out
    assert cli_main(["search", "？？", "--db", str(store.path)]) != 0  # punctuation only
    assert "请输入要搜索的文字" in capsys.readouterr().err


def test_search_refuses_bad_options(store: Store, capsys) -> None:
    with pytest.raises(SystemExit):
        cli_main(["search", "运费", "--from", "2024-13-01", "--db", str(store.path)])
    assert "不是 YYYY-MM-DD 格式" in capsys.readouterr().err
    assert cli_main(["search", "运费", "--limit", "0", "--db", str(store.path)]) != 0
    assert "--limit 须在 1 到 1000 之间" in capsys.readouterr().err


def test_buyer_timeline_lists_the_buyers_history_newest_first(store: Store, capsys) -> None:
    _fill(store)
    assert cli_main(["buyer", "timeline", "--nick", "张三丰88", "--db", str(store.path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("买家“张***8”的时间线（最新的在前）：咨询会话 1") and "甲店" in out[0]
    assert out[1].startswith("2024-05-01 10:00:00  甲店  咨询会话 · 2 条消息")
    assert PHONE not in "\n".join(out)
    assert cli_main(["buyer", "timeline", "--nick", "张三丰88", "--keep-personal", "--db", str(store.path)]) == 0
    assert "张三丰88" in capsys.readouterr().out
    assert cli_main(["buyer", "timeline", "--nick", "没有这个人", "--db", str(store.path)]) == 0
    assert "所有店铺中没有买家" in capsys.readouterr().out


def test_output_cut_short_by_its_reader_is_no_error(store: Store) -> None:
    """`python main.py search … | head -1`: the reader closed the pipe; exit 0, no traceback."""
    import os
    import subprocess
    import sys

    _fill(store)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, str(root / "main.py"), "search", "运费", "--db", str(store.path)],
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,
        timeout=120,
    )
    os.close(write_end)
    assert run.returncode == 0 and "Traceback" not in run.stderr and "Broken pipe" not in run.stderr
