"""Word lists for number expressions: counters/units, approximation and bound markers."""

from __future__ import annotations

#: Counters and units recognised after a number (longest match wins). Katakana runs
#: (マイル, キロ, ドル) and short Latin units glued to digits (mm, km) are units too.
COUNTERS = sorted(
    """番目 人目 カ国 か国 ヵ国 ヶ国 カ月 か月 ヵ月 ヶ月 カ所 か所 ヶ所 週間 時間 日間 年間 分間 秒間 世代
    番地 議席 年代 人 名 発 機 隻 両 台 基 本 個 件 回 度 倍 歳 才 頭 匹 羽 枚 冊 杯 軒 社 校 次 号 条
    位 階 割 点 票 席 門 つ 年 日 週 分 秒 円 % ％ ℃""".split(),
    key=len,
    reverse=True,
)

#: Counters that make an ordinal (三番目, 2人目).
ORDINAL_COUNTERS = frozenset({"番目", "人目"})

#: Marker -> (approx, bound, inclusive). Prefix markers come before the number (with at most
#: one space: 最大 3 万人), suffix markers right after the number and its unit.
PREFIX_MARKERS: dict[str, tuple[bool, str | None, bool | None]] = {
    "約": (True, None, None),
    "およそ": (True, None, None),
    "凡そ": (True, None, None),
    "ほぼ": (True, None, None),
    "概ね": (True, None, None),
    "おおむね": (True, None, None),
    "推定": (True, None, None),
    "最大": (False, "upper", True),
    "最高": (False, "upper", True),
    "最多": (False, "upper", True),
    "最長": (False, "upper", True),
    "最低": (False, "lower", True),
    "最少": (False, "lower", True),
    "少なくとも": (False, "lower", True),
}
SUFFIX_MARKERS: dict[str, tuple[bool, str | None, bool | None]] = {
    "以上": (False, "lower", True),
    "超": (False, "lower", False),
    "を超える": (False, "lower", False),
    "を超え": (False, "lower", False),
    "を超す": (False, "lower", False),
    "を上回る": (False, "lower", False),
    "余り": (True, "lower", False),
    "あまり": (True, "lower", False),
    "余": (True, "lower", False),
    "強": (True, "lower", False),
    "以下": (False, "upper", True),
    "以内": (False, "upper", True),
    "未満": (False, "upper", False),
    "を下回る": (False, "upper", False),
    "足らず": (True, "upper", False),
    "弱": (True, "upper", False),
    "近く": (True, "upper", False),
    "程度": (True, None, None),
    "ほど": (True, None, None),
    "前後": (True, None, None),
    "くらい": (True, None, None),
    "ぐらい": (True, None, None),
}
PREFIXES = sorted(PREFIX_MARKERS, key=len, reverse=True)
SUFFIXES = sorted(SUFFIX_MARKERS, key=len, reverse=True)

#: Words starting with a kanji numeral that are not numbers (一方 "on the other hand").
KANJI_STOPWORDS = tuple(
    """十分 一方 一部 一時 一旦 一番 一体 一見 一応 一連 一緒 一般 一致 一層 一切 一気 一段 一面 一同
    一律 一斉 一環 一瞬 一概 一員 一流 一定 一種 一帯 一心 一向 一生 一日中 一人一人 一つ一つ 万一
    一本化 一回り""".split()
)

MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
