"""Where an embedder's similarities sit for this knowledge base, measured when the index is built.

Each embedder has a scale of its own (multilingual-e5 puts unrelated Chinese text at about
0.85, bge or MiniLM elsewhere), so no similarity threshold is written in the code. At build
time, questions about unrelated everyday matters (cooking, sport, pets, travel — the same
for every knowledge base) and the knowledge base's own section titles are searched against
the new index: the first give the level of "nothing here", the second the level of "this is
what the documents are about". Their quantiles go into the manifest; `Scale` maps a
question's best similarity onto [0, 1], with 0.4 where the off-topic questions'
median lies, so the default refusal threshold means the same for every embedder: a question
that matches the documents no better than a typical unrelated one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kbqa.text import normalize

OFF_TOPIC = {
    "zh": [
        "今天天气怎么样?", "红烧肉怎么做才好吃?", "世界杯冠军是哪支球队?", "怎样学好英语口语?", "感冒了吃什么药?",
        "推荐几部好看的电影", "周杰伦最新的歌是什么?", "猫为什么喜欢抓沙发?", "股票明天会涨吗?", "怎么给手机省电?",
        "去西藏旅游要准备什么?", "宇宙大爆炸是怎么回事?", "如何养好多肉植物?", "篮球总决赛什么时候开始?",
        "减肥吃什么比较好?", "恐龙是怎么灭绝的?", "婚礼上说什么祝福语?", "咖啡和茶哪个更提神?", "钢琴初学者怎么练指法?",
        "狗狗掉毛严重怎么办?", "怎么挑选西瓜?", "月球上有水吗?", "围棋的基本规则是什么?", "唐诗里最有名的是哪首?",
    ],
    "en": [
        "What's the weather like today?", "How do I bake sourdough bread?", "Who won the last football world cup?",
        "How can I improve my guitar playing?", "Why do cats purr?", "Recommend a good science fiction novel",
        "How far is the Moon from Earth?", "What should I pack for a beach holiday?", "How do vaccines work?",
        "Who painted the Mona Lisa?", "How to fix a flat bicycle tyre?", "What are the rules of chess?",
    ],
}  # fmt: skip
MAX_TITLES = 200
OFF_CONFIDENCE = 0.4  # what an off-topic question's median similarity maps to


@dataclass(frozen=True)
class Scale:
    """Best similarity -> confidence: 0 at the off-topic 10th percentile, 0.4 at its median, 1 at the titles' median."""

    low: float
    off: float
    on: float

    def confidence(self, similarity: float) -> float:
        if similarity >= self.off:
            value = OFF_CONFIDENCE + (1 - OFF_CONFIDENCE) * (similarity - self.off) / max(self.on - self.off, 1e-6)
        else:
            value = OFF_CONFIDENCE * (similarity - self.low) / max(self.off - self.low, 1e-6)
        return float(min(max(value, 0.0), 1.0))


def measure(embed_queries, search, titles: list[str]) -> dict:
    """The manifest's calibration: quantiles of best similarities of off-topic questions and of titles, per language.

    `embed_queries(texts) -> vectors`; `search(vectors) -> best similarity per row`.
    """
    sample = [t for t in dict.fromkeys(titles) if len(t) >= 4][:MAX_TITLES] or titles[:1]
    best = {lang: search(embed_queries([normalize(q) for q in qs])) for lang, qs in OFF_TOPIC.items()}
    on = search(embed_queries([normalize(t) for t in sample])) if sample else np.array([1.0])
    levels = {}
    for lang, sims in best.items():
        low, off = float(np.percentile(sims, 10)), float(np.percentile(sims, 50))
        # Titles are Chinese: another language's "on" level sits as far above its off-topic level.
        gap = float(np.median(on)) - float(np.percentile(best["zh"], 50))
        top = float(np.median(on)) if lang == "zh" else off + gap
        levels[lang] = {"low": round(low, 4), "off": round(off, 4), "on": round(max(top, off + 0.01), 4)}
    return levels


def scale(calibration: dict, lang: str) -> Scale:
    """The scale for a question's language (the Chinese one where a language was not measured)."""
    level = calibration.get(lang) or calibration["zh"]
    return Scale(level["low"], level["off"], level["on"])
