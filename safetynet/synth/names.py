"""Chinese names for the synthetic county: surnames by frequency, given-name characters."""

from __future__ import annotations

import numpy as np

# The most common surnames, roughly by frequency (weights decrease along the list).
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
)
GIVEN_MALE = list("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳国建文志")
GIVEN_FEMALE = list("芳娜敏静丽艳娟霞秀英华玲桂兰红梅琳燕萍雪慧莉婷倩洁琴云莲真环凤")
VILLAGE_WORDS = list(
    dict.fromkeys("东西南北新大小前后上下长安和平兴旺富民光明红星联合胜利永丰丰收青山桃园柳塘石桥")
)


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    weights = 1.0 / (np.arange(len(SURNAMES)) + 5.0)
    return np.asarray(SURNAMES)[rng.choice(len(SURNAMES), size=n, p=weights / weights.sum())]


def given_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """One or two characters each, from the male or female list."""
    n = male.size
    m, f = np.asarray(GIVEN_MALE), np.asarray(GIVEN_FEMALE)
    first = np.where(male, m[rng.integers(0, m.size, n)], f[rng.integers(0, f.size, n)])
    second = np.where(male, m[rng.integers(0, m.size, n)], f[rng.integers(0, f.size, n)])
    two = rng.random(n) < 0.7
    return np.where(two, np.char.add(first, second), first)


def village_names(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct village names ending in 村 (two characters, numbered once those run out)."""
    pairs = [a + b for a in VILLAGE_WORDS for b in VILLAGE_WORDS if a != b]
    order = rng.permutation(len(pairs))
    return [
        f"{pairs[order[i % len(pairs)]]}{'' if i < len(pairs) else i // len(pairs) + 1}村"
        for i in range(n)
    ]
