"""Rebuild the shipped abusive-language model ``resources/models/offensive-v1.npz``.

    python tools/build_offensive_model.py [--data ../shared/data] [--out resources/models/offensive-v1.npz]

Training data: only what may ship (see ``../shared/data/README.md``):

- COLD ``train.csv`` (github.com/thu-coai/COLDataset, Apache-2.0): 25,726 Chinese
  comments labelled offensive (1) or not (0);
- a few e-commerce phrases written for cxdesk (``ABUSIVE`` / ``NEUTRAL`` below: buyer
  insults, rude agent replies, ordinary customer-service lines), each alone and in
  random combinations (sample weight 3), because COLD is about race/region/gender
  and holds few direct insults at a person and no shop talk. No JDDC (evaluation-only)
  text is used.

COLD ``dev.csv`` is used only to pick the operating threshold (the one that maximises
F0.5 on dev, i.e. precision weighted above recall); ``test.csv`` only to report.

Model: the hashed char 1–3-gram features of :mod:`cxdesk.analysis.offensive`; the
weights are the mean of two L2 logistic regressions (C=4): one on the plain features,
one on NB-scaled features (NBSVM-style log-count ratios), folded back into one
linear model. Deterministic: fixed seeds, lbfgs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxdesk.analysis import offensive as O  # noqa: E402
from cxdesk.analysis.sentiment import _digest  # noqa: E402

C = 4.0
SEED_WEIGHT = 3.0
N_COMBOS = 600
THRESHOLD_GRID = np.round(np.arange(0.50, 0.951, 0.01), 2)
F_BETA = 0.5

# Written for cxdesk: abuse a shop sees (buyer → agent, agent → buyer).
ABUSIVE = [
    "傻逼",
    "你是傻逼",
    "什么傻逼东西",
    "你们都是傻逼",
    "滚",
    "滚蛋",
    "给我滚",
    "你给我滚",
    "滚远点",
    "去死",
    "去死吧你",
    "你怎么不去死",
    "全家死光",
    "死全家",
    "你妈死了",
    "操你妈",
    "草泥马",
    "尼玛的",
    "他妈的",
    "你他妈的有病吧",
    "有病吧你",
    "神经病",
    "脑残",
    "你是不是脑残",
    "智障",
    "弱智",
    "你是猪吗",
    "蠢货",
    "蠢猪",
    "白痴",
    "废物",
    "一群废物",
    "你就是个垃圾",
    "狗东西",
    "你这条狗",
    "你算什么东西",
    "贱人",
    "贱货",
    "不要脸",
    "臭不要脸",
    "王八蛋",
    "混蛋",
    "人渣",
    "骗子店铺，一群畜生",
    "畜生",
    "你听不懂人话吗",
    "闭嘴",
    "爱买不买，穷鬼",
    "穷逼",
    "买不起就别买",
    "你脑子进水了吧",
    "你眼瞎啊",
    "瞎了你的狗眼",
    "老子要你好看",
    "信不信我弄死你",
    "找死",
]
NEUTRAL = [
    "亲，您好，请问有什么可以帮您",
    "您好，很高兴为您服务",
    "在的，亲",
    "在的",
    "好的",
    "好的亲",
    "好的，稍等",
    "嗯嗯",
    "对",
    "对的",
    "是的",
    "没有了",
    "没有了，谢谢",
    "没事了",
    "好吧",
    "那就算了",
    "算了吧",
    "谢谢",
    "谢谢亲",
    "不客气",
    "很抱歉",
    "很抱歉给您带来不便",
    "非常抱歉让您久等了",
    "抱歉，这个我们核实一下",
    "这边帮您查询一下",
    "请您稍等，正在为您查询",
    "已经为您登记了",
    "已帮您反馈",
    "这款衣服明天发货",
    "今天下单明天发货",
    "尺码偏大建议拍小一码",
    "尺码标准，按平时穿的拍就行",
    "颜色有色差吗",
    "什么时候发货",
    "快递到哪了",
    "物流怎么不动了",
    "我要退货",
    "怎么申请退款",
    "退款什么时候到账",
    "可以换货吗",
    "地址填错了能改吗",
    "发票怎么开",
    "收到货了，有点小瑕疵",
    "质量太差了，我要退货",
    "东西坏了怎么办",
    "这个价格能便宜点吗",
    "有优惠券吗",
    "能不能包邮",
    "七天无理由退换",
    "请问还有其他问题吗",
    "祝您生活愉快",
    "感谢您的耐心等待",
    "黑色还有货吗",
    "白色的卖完了",
    "男款女款都有",
    "这是女装还是男装",
    "适合老人用吗",
    "小孩可以穿吗",
    "发货地是哪里",
    "从广东发货",
    "新疆西藏不包邮",
    "您看一下订单号",
    "麻烦提供一下订单号",
    "什么意思",
    "看不懂",
    "怎么操作",
    "怎么一直不回复",
    "你们太慢了",
    "我很着急",
    "我不满意",
    "我要投诉",
    "给个说法",
    "这个我不要了",
    "差评",
]


def read_cold(data: Path, split: str) -> tuple[list[str], np.ndarray]:
    import pandas as pd

    df = pd.read_csv(data / "cold" / f"{split}.csv", encoding="utf-8-sig")
    return df["TEXT"].astype(str).tolist(), df["label"].to_numpy().astype(np.int64)


def combos(heads: list[str], tails: list[str], k: int, rng: np.random.RandomState) -> list[str]:
    return [f"{heads[rng.randint(len(heads))]}，{tails[rng.randint(len(tails))]}" for _ in range(k)]


def prf(y: np.ndarray, pred: np.ndarray, beta: float = 1.0) -> tuple[float, float, float]:
    tp = float(np.sum(pred & (y == 1)))
    p = tp / max(float(pred.sum()), 1.0)
    r = tp / max(float((y == 1).sum()), 1.0)
    b2 = beta * beta
    f = (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0
    return p, r, f


def fit(texts: list[str], y: np.ndarray, sample_weight: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    x = O.feature_matrix(texts)
    plain = LogisticRegression(C=C, max_iter=3000)
    plain.fit(x, y, sample_weight=sample_weight)
    binary = x.copy()
    binary.data[:] = 1.0
    p = np.asarray(binary[y == 1].sum(axis=0)).ravel() + 1.0
    q = np.asarray(binary[y == 0].sum(axis=0)).ravel() + 1.0
    ratio = np.log(p / p.sum()) - np.log(q / q.sum())
    nb = LogisticRegression(C=C, max_iter=3000)
    nb.fit(x.multiply(ratio).tocsr(), y, sample_weight=sample_weight)
    w = ((plain.coef_[0] + nb.coef_[0] * ratio) / 2.0).astype(np.float32)
    w = w.astype(np.float16).astype(np.float32)  # what the .npz holds
    b = float((plain.intercept_[0] + nb.intercept_[0]) / 2.0)
    return w, b


def build(data: Path) -> O.OffensiveModel:
    texts, labels = read_cold(data, "train")
    rng = np.random.RandomState(7)
    seed_abuse = ABUSIVE + combos(NEUTRAL, ABUSIVE, N_COMBOS, rng) + combos(ABUSIVE, NEUTRAL, N_COMBOS // 2, rng)
    seed_neutral = NEUTRAL + combos(NEUTRAL, NEUTRAL, N_COMBOS, rng)
    all_texts = texts + seed_abuse + seed_neutral
    y = np.r_[labels, np.ones(len(seed_abuse), np.int64), np.zeros(len(seed_neutral), np.int64)]
    sw = np.r_[np.ones(len(texts)), np.full(len(seed_abuse) + len(seed_neutral), SEED_WEIGHT)]
    print(
        f"training texts: COLD train {len(texts):,} ({int(labels.sum()):,} offensive), "
        f"seed phrases {len(ABUSIVE)} abusive + {len(NEUTRAL)} neutral "
        f"(+{len(seed_abuse) - len(ABUSIVE) + len(seed_neutral) - len(NEUTRAL)} combinations)"
    )
    w, b = fit(all_texts, y, sw)
    model = O.OffensiveModel(weights=w, bias=b, threshold=0.5, version="")

    dev, y_dev = read_cold(data, "dev")
    s_dev = model.predict_scores(dev)
    best = max(THRESHOLD_GRID, key=lambda t: (prf(y_dev, s_dev >= t, F_BETA)[2], t))
    model.threshold = float(best)
    p, r, f1 = prf(y_dev, s_dev >= best)
    print(f"threshold {best:.2f} (max F{F_BETA} on COLD dev): dev P {p:.3f} R {r:.3f} F1 {f1:.3f}")
    test, y_test = read_cold(data, "test")
    s_test = model.predict_scores(test)
    tp, tr, tf = prf(y_test, s_test >= best)
    print(f"COLD test at {best:.2f}: P {tp:.3f} R {tr:.3f} F1 {tf:.3f}")
    model.version = f"offensive-v1-{_digest(w, b)}-t{best:.2f}"
    model.info = {
        "trained_on": "COLD train (Apache-2.0) + cxdesk seed phrases",
        "threshold_rule": f"max F{F_BETA} on COLD dev",
        "built_by": "tools/build_offensive_model.py",
        "n_train": int(len(y)),
        "dev": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)},
        "test": {"precision": round(tp, 4), "recall": round(tr, 4), "f1": round(tf, 4)},
    }
    return model


def write_licence(data: Path, out: Path) -> None:
    src = data / "cold" / "LICENSE"
    header = (
        "The model offensive-v1.npz was trained on COLD (COLDataset), by Jiawen Deng, Jingyan Zhou,\n"
        "Hao Sun, Fei Mi and Minlie Huang (Deng et al., EMNLP 2022), from\n"
        "github.com/thu-coai/COLDataset @ a0c55a945497ab58e94aef491180e1cf88ffb864, licensed under the\n"
        "Apache License 2.0, whose text follows unchanged.\n\n"
    )
    out.write_text(header + src.read_text(encoding="utf-8"), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "resources" / "models" / O.MODEL_FILE)
    args = ap.parse_args(argv)
    if not (args.data / "cold" / "train.csv").exists():
        print(f"COLD not found under {args.data}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    model = build(args.data)
    path = model.save(args.out)
    write_licence(args.data, path.parent / "LICENSE-cold.txt")
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB), version {model.version}, {time.perf_counter() - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
