"""Encodings detected on real text (news prose), ambiguity refused, nothing stored altered."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.services.decoding import (
    EncodingError,
    decode_bytes,
    encoding_name,
    read_utf8_file,
)
from annotator.services.shipped import shipped_dir

SEEDS = shipped_dir("seeds")
assert SEEDS is not None


def _jis_safe(text: str) -> str:
    """``text`` without the few characters (•, emoji) that Shift_JIS / EUC-JP cannot hold."""
    def fits(char: str) -> bool:
        try:
            for encoding in ("cp932", "euc_jp", "iso2022_jp"):
                char.encode(encoding)
        except UnicodeEncodeError:
            return False
        return True
    return "".join(c for c in text if fits(c))


_SEED_TEXT = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
JAPANESE_PARAGRAPHS = [_jis_safe(p) for p in _SEED_TEXT.split("\n") if len(p) > 80][:3]
JAPANESE = "\n".join(JAPANESE_PARAGRAPHS)  # three paragraphs of news prose
JAPANESE_SENTENCES = [s.strip() for s in re.split("(?<=。)", _jis_safe(_SEED_TEXT))
                      if len(s.strip()) >= 8]
SPANISH = ("España: año nuevo, vida nueva. El niño pidió una canción en la peña de Logroño. "
           "¿Qué pasó? ¡Qué alegría! Mañana iremos a Cádiz con la señora Muñoz.")
FRENCH = ("L'été dernier, nous sommes allés à la forêt près de Besançon. Le garçon a mangé une "
          "crème brûlée ; c'était délicieux. Où est la bibliothèque ? À côté de l'hôpital.")
GERMAN = ("Die Straße in München ist schön. Über die Brücke gehen Jürgen und Bärbel jeden "
          "Morgen zur Bäckerei. Größere Häuser kosten mehr Geld, sagt Frau Müller.")
# cp1252's own characters (curly quotes, the euro sign, a dash) are bytes 0x80-0x9F.
FRENCH_CP1252 = FRENCH + " « Oui », dit-il — “c’est 5 €”."
SIMPLIFIED = ("国家统计局今天发布数据显示，十月份全国居民消费价格同比上涨百分之零点二。"
              "外交部发言人在例行记者会上回答了有关问题。"
              "今年以来，我国对外贸易保持平稳增长，进出口总值再创历史新高。")
TRADITIONAL = ("行政院會今天通過明年度中央政府總預算案，總額較今年增加百分之三。"
               "外交部發言人在例行記者會上回應媒體提問。"
               "氣象局發布豪雨特報，提醒民眾注意山區坍方及落石。")
CHINESE_SENTENCES = [
    ("国家统计局今天发布数据显示，十月份全国居民消费价格同比上涨百分之零点二。", "gb18030"),
    ("外交部发言人在例行记者会上回答了有关问题。", "gb18030"),
    ("北京市气象台发布大风蓝色预警信号，提醒市民注意防范。", "gb18030"),
    ("专家认为，人工智能技术的发展将深刻改变人们的生产和生活方式。", "gb18030"),
    ("他说：“我们将继续坚持改革开放，推动经济高质量发展。”", "gb18030"),
    ("中国人民银行决定下调金融机构存款准备金率。", "gb18030"),
    ("台北市政府宣布，捷運新路線將於明年年底正式通車。", "big5"),
    ("專家認為，人工智慧技術的發展將深刻改變人們的生活方式。", "big5"),
    ("這座城市的公車路網已經涵蓋所有主要的商業區與住宅區。", "big5"),
    ("他說：「我們將持續推動產業升級，促進經濟穩定成長。」", "big5"),
    ("中央銀行決定維持政策利率不變。", "big5"),
]
KOREAN = ("대한민국 국회는 오늘 본회의를 열어 내년도 예산안을 통과시켰다. 여야는 막판까지 협상을 "
          "이어갔으며, 정부는 경제 회복을 위한 지출을 늘릴 계획이다.")
RUSSIAN = ("Государственная дума приняла во втором чтении законопроект о бюджете на следующий "
           "год. Депутаты обсуждали поправки несколько часов.")


def test_the_samples_are_real_prose() -> None:
    assert len(JAPANESE) > 300 and "北朝鮮" in JAPANESE
    assert len(JAPANESE_SENTENCES) > 100


@pytest.mark.parametrize(
    ("text", "data", "reported"),
    [
        (JAPANESE, JAPANESE.encode("utf-8"), "utf-8"),
        (JAPANESE, codecs.BOM_UTF8 + JAPANESE.encode("utf-8"), "utf-8-sig"),
        (JAPANESE, codecs.BOM_UTF16_LE + JAPANESE.encode("utf-16-le"), "utf-16"),
        (JAPANESE, codecs.BOM_UTF16_BE + JAPANESE.encode("utf-16-be"), "utf-16"),
        (JAPANESE, codecs.BOM_UTF32_LE + JAPANESE.encode("utf-32-le"), "utf-32"),
        (JAPANESE, JAPANESE.encode("cp932"), "cp932"),
        (JAPANESE, JAPANESE.encode("shift_jis"), "cp932"),
        (JAPANESE, JAPANESE.encode("euc_jp"), "euc-jp"),
        (JAPANESE, JAPANESE.encode("iso2022_jp"), "iso-2022-jp"),
        (JAPANESE_PARAGRAPHS[0], JAPANESE_PARAGRAPHS[0].encode("cp932"), "cp932"),
        (JAPANESE_PARAGRAPHS[0], JAPANESE_PARAGRAPHS[0].encode("euc_jp"), "euc-jp"),
        (SPANISH, SPANISH.encode("latin-1"), "latin-1"),
        ("España: año", "España: año".encode("latin-1"), "latin-1"),
        (FRENCH, FRENCH.encode("latin-1"), "latin-1"),
        (GERMAN, GERMAN.encode("latin-1"), "latin-1"),
        (FRENCH_CP1252, FRENCH_CP1252.encode("cp1252"), "cp1252"),
        (SIMPLIFIED, SIMPLIFIED.encode("gb18030"), "gb18030"),
        (SIMPLIFIED, SIMPLIFIED.encode("gb2312"), "gb18030"),
        (SIMPLIFIED + "𠮷", (SIMPLIFIED + "𠮷").encode("gb18030"), "gb18030"),  # 4-byte form
        (TRADITIONAL, TRADITIONAL.encode("big5"), "big5"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf32le-bom", "cp932", "shift_jis",
         "euc-jp", "iso-2022-jp", "cp932-paragraph", "euc-jp-paragraph", "spanish-latin1",
         "espana-ano", "french-latin1", "german-latin1", "french-cp1252", "gb18030", "gb2312",
         "gb18030-four-byte", "big5"],
)
def test_real_text_detected(text: str, data: bytes, reported: str) -> None:
    assert decode_bytes(data, "x.txt") == (text, reported)


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp"])
def test_every_seed_sentence_alone_is_read_right_or_refused(encoding: str) -> None:
    """Each sentence of the seed texts as a file of its own: a sentence is the hardest case for
    the detector. None may come out as other text; only sentences without kana (a date line,
    a name) may be refused as ambiguous."""
    wrong, refused = [], []
    for sentence in JAPANESE_SENTENCES:
        try:
            text, _ = decode_bytes(sentence.encode(encoding), "x.txt")
        except DataError:
            refused.append(sentence)
            continue
        if text != sentence:
            wrong.append(sentence)
    assert wrong == []
    assert all(not re.search("[\u3041-\u30ff]", s) for s in refused), refused
    assert len(refused) <= 3


@pytest.mark.parametrize(("sentence", "encoding"), CHINESE_SENTENCES)
def test_chinese_sentences_are_not_read_as_japanese(sentence: str, encoding: str) -> None:
    assert decode_bytes(sentence.encode(encoding), "x.txt") == (sentence, encoding)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ("日本語".encode("cp932"), "cp932"),
        (KOREAN.encode("euc_kr"), "cp949"),
        (RUSSIAN.encode("cp1251"), "cp1251"),
        (RUSSIAN.encode("koi8_r"), "koi8-r"),
    ],
    ids=["three-kanji", "korean", "russian-cp1251", "russian-koi8r"],
)
def test_ambiguous_or_other_encodings_are_refused_with_the_candidates(data: bytes,
                                                                      named: str) -> None:
    with pytest.raises(DataError) as info:
        decode_bytes(data, "x.txt")
    message = str(info.value)
    assert message.startswith("x.txt: ")
    assert named in message and "--encoding" in message


@pytest.mark.parametrize(
    ("text", "encoding", "reported"),
    [(KOREAN, "euc-kr", "euc-kr"), (RUSSIAN, "cp1251", "cp1251"), ("日本語", "cp932", "cp932"),
     (RUSSIAN, "KOI8-R", "koi8-r"), (JAPANESE, "Shift_JIS", "shift-jis")],
)
def test_a_named_encoding_decodes_what_detection_refuses(text: str, encoding: str,
                                                         reported: str) -> None:
    assert decode_bytes(text.encode(encoding), "x.txt", encoding) == (text, reported)


def test_a_named_encoding_is_still_strict() -> None:
    data = JAPANESE.encode("euc_jp")
    with pytest.raises(DataError, match=r"x.txt:1: not valid cp932"):
        decode_bytes(b"\x81" + data, "x.txt", "cp932")


@pytest.mark.parametrize("name", ["no-such-codec", "rot13", "base64", "", "utf-8\x00"])
def test_encoding_names_are_validated(name: str) -> None:
    with pytest.raises(DataError, match="encoding"):
        encoding_name(name)


def test_utf8_with_an_encoded_lone_surrogate_is_refused_with_its_line() -> None:
    data = "一行目です。\n二行目に".encode() + b"\xed\xa0\x80" + "があります。\n".encode()
    with pytest.raises(DataError, match=r"^x.txt:2: UTF-8 holding an encoded surrogate"):
        decode_bytes(data, "x.txt")


def test_utf8_with_one_damaged_byte_is_refused_not_guessed() -> None:
    data = JAPANESE[:200].encode() + b"\xff" + JAPANESE[200:].encode()
    line = JAPANESE[:200].count("\n") + 1
    with pytest.raises(DataError, match=rf"^x.txt:{line}: not valid UTF-8: byte ff at "):
        decode_bytes(data, "x.txt")


def test_a_decoding_that_does_not_round_trip_is_refused() -> None:
    """0xEEF9 (NEC-selected IBM ￢) decodes in cp932 but encodes back as 0x81CA: storing it
    would change the file, so it is refused with the line."""
    data = "ロシア軍は北朝鮮から砲弾を受け取った。\n".encode("cp932") * 2 + b"\xee\xf9"
    with pytest.raises(DataError, match=r"^x.txt:3: decoding as cp932 does not give back"):
        decode_bytes(data, "x.txt")
    with pytest.raises(DataError, match=r"^x.txt:3: decoding as cp932 does not give back"):
        decode_bytes(data, "x.txt", "cp932")


def test_utf16_without_a_bom_is_refused_with_a_hint() -> None:
    latin = "Die Straße in München, sagt Frau Müller. " * 3
    with pytest.raises(DataError, match="without a byte-order mark.*--encoding utf-16-le"):
        decode_bytes(latin.encode("utf-16-le"), "x.txt")
    with pytest.raises(DataError, match="without a byte-order mark.*--encoding utf-16-be"):
        decode_bytes(latin.encode("utf-16-be"), "x.txt")
    with pytest.raises(DataError, match=r"binary file \(it contains NUL bytes\), not text$"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "x.png")


def test_text_with_escape_sequences_that_is_not_iso2022_is_utf8() -> None:
    """An ANSI-coloured log is UTF-8 text, not ISO-2022-JP."""
    text = "\x1b[31mred\x1b[0m 警告\n"
    assert decode_bytes(text.encode(), "x.txt") == (text, "utf-8")


def test_jsonl_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"text": "ok"}\n' + '{"text": "日本語"}\n'.encode("cp932"))
    with pytest.raises(DataError, match=r"a.jsonl:2: not valid UTF-8.*must be UTF-8"):
        read_utf8_file(path)
    assert read_utf8_file(path, "cp932")[0].endswith('"日本語"}\n')


@pytest.mark.parametrize(
    ("data", "candidates"),
    [("日本語".encode("cp932"), ["cp932", "gb18030"]),
     (KOREAN.encode("euc_kr"), ["cp949", "euc-jp"]),
     (("Die Straße in München. " * 3).encode("utf-16-le"), ["utf-16-le"])],
    ids=["ambiguous", "other-encoding", "utf16-without-bom"],
)
def test_encoding_refusals_carry_their_candidates(data: bytes, candidates: list[str]) -> None:
    """What the import dialog offers to choose from when detection refuses a file."""
    with pytest.raises(EncodingError) as info:
        decode_bytes(data, "x.txt")
    assert info.value.candidates[:len(candidates)] == candidates
    for name in info.value.candidates:
        encoding_name(name)
