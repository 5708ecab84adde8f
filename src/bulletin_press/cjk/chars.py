"""Character classes of Chinese text in one place: Han (Extensions A–I), kana and bopomofo, CJK punctuation, full-width forms."""

from __future__ import annotations

import re

# Each a regular-expression class body (ranges of the characters themselves), to combine in [...].
# Han ideographs: radicals, Kangxi radicals and description characters; Extension A; the unified
# block; compatibility ideographs; and every plane-2/3 block — Extensions B, C, D, E, F, I, the
# compatibility supplement, G and H (U+20000–U+323AF). Names use them: 𠀀 (B), 𬞟 (E).
HAN = "\u2e80-\u2fff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
# Kana, bopomofo (and its extension), kanbun marks, CJK strokes: letters set like Han.
KANA_BOPOMOFO = "\u3040-\u30ff\u3100-\u312f\u3190-\u31ff"
# Han and the letters set like it: what a Han–Latin space or a Chinese text's context is about.
CJK_LETTERS = HAN + KANA_BOPOMOFO
CJK_PUNCTUATION = "\u3000-\u303f"  # the ideographic space, 、。〈〉《》「」【】〔〕〜, 々〇
FULLWIDTH = "\uff00-\uffef"  # full-width ASCII and punctuation (，：；！？（）), half-width kana
VERTICAL_FORMS = "\ufe30-\ufe4f"  # CJK compatibility forms (︰︱﹁﹂ …)
CHINESE_QUOTES = "\u2018\u2019\u201c\u201d"  # ‘’“”: full width in Chinese text

IS_HAN = re.compile(f"[{HAN}]")
IS_CJK_LETTER = re.compile(f"[{CJK_LETTERS}]")
# A run of characters that take inter-character space when a Han line is justified. Dashes and
# ellipses are left out so that —— and …… never split.
JUSTIFIED_RUN = re.compile(f"[{CJK_LETTERS}{CJK_PUNCTUATION}{VERTICAL_FORMS}{FULLWIDTH}{CHINESE_QUOTES}]+")
# A run of anything else but white space and invisible break marks: a Latin word, a number, an
# address piece — what a line can break only around (a table's unbreakable width).
NON_CJK_WORD = re.compile(f"[^\\s\u200b\u2060{CJK_LETTERS}{CJK_PUNCTUATION}{FULLWIDTH}]+")
