"""Persian names, places and schools the demo world draws from.

Plain data, kept apart from the generator so the generator reads as logic.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

MALE_FIRST_NAMES: tuple[str, ...] = (
    "محمد", "علی", "حسین", "حسن", "مهدی", "رضا", "امیر", "محمدرضا", "ابوالفضل", "امیرحسین",
    "علیرضا", "سجاد", "مصطفی", "مرتضی", "حمید", "سعید", "مجید", "احمد", "جواد", "محسن",
    "کاظم", "ناصر", "بهروز", "داریوش", "کوروش", "بابک", "فرهاد", "پرویز", "جمشید", "کامران",
    "سیاوش", "آرش", "بهرام", "هوشنگ", "منوچهر", "یوسف", "یعقوب", "اسماعیل", "ابراهیم", "هادی",
    "صادق", "باقر", "کیان", "آرمین", "پارسا", "طاها", "یاسین", "امید", "نیما", "پویا",
    "بردیا", "سینا", "میلاد", "عرفان", "ماهان", "هومن", "رامین", "شهرام", "فرشید", "کیوان",
)  # fmt: skip

FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "فاطمه", "زهرا", "مریم", "معصومه", "زینب", "سارا", "نرگس", "مهسا", "الهام", "سمیرا",
    "لیلا", "نازنین", "هانیه", "ریحانه", "کوثر", "مائده", "فرشته", "پروین", "شهین", "مهین",
    "منیژه", "ژیلا", "شیرین", "فریبا", "آزاده", "ستاره", "نسترن", "یاسمن", "پریسا", "طاهره",
    "سکینه", "رقیه", "خدیجه", "اعظم", "اکرم", "مینا", "نیلوفر", "آیدا", "هستی", "رها",
    "آوا", "النا", "باران", "ثنا", "حنانه", "محدثه", "مبینا", "نگار", "بهاره", "سپیده",
    "ترانه", "گلاره", "شقایق", "مرجان", "راحله", "سمانه", "فرزانه", "عاطفه", "هدیه", "یگانه",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "محمدی", "حسینی", "احمدی", "رضایی", "موسوی", "کریمی", "هاشمی", "جعفری", "قاسمی", "رحیمی",
    "صادقی", "مرادی", "کاظمی", "ابراهیمی", "حیدری", "نوری", "عباسی", "سلیمانی", "اکبری", "زارعی",
    "محمودی", "بهرامی", "یوسفی", "طاهری", "قربانی", "رستمی", "شریفی", "کرمانی", "تهرانی", "شیرازی",
    "اصفهانی", "تبریزی", "مشهدی", "یزدی", "کاشانی", "رشتی", "فراهانی", "نجفی", "امیری", "فرجی",
    "باقری", "نظری", "سبحانی", "پورمحمد", "علیزاده", "حسن‌زاده", "قلی‌زاده", "رحمانی", "عسگری",
    "کامرانی",
    "فتحی", "مختاری", "شجاعی", "وحیدی", "خسروی", "افشار", "پاکزاد", "توکلی", "جلالی", "دهقان",
    "رنجبر", "زمانی", "سعیدی", "شاکری", "صفری", "ضیایی", "طالبی", "عزیزی", "غفاری", "فاضلی",
    "قنبری", "کیانی", "لطفی", "منصوری", "نادری", "واعظی", "همتی", "یزدانی", "اسدی", "بیگی",
)  # fmt: skip


class Place(NamedTuple):
    province: str
    city: str
    postal_prefix: str  # first digit of the city's postal codes (no 0 or 2, as issued)
    weight: int  # share of the population, roughly


PLACES: tuple[Place, ...] = (
    Place("تهران", "تهران", "1", 30),
    Place("تهران", "شهریار", "3", 4),
    Place("البرز", "کرج", "3", 6),
    Place("اصفهان", "اصفهان", "8", 7),
    Place("اصفهان", "کاشان", "8", 2),
    Place("خراسان رضوی", "مشهد", "9", 9),
    Place("فارس", "شیراز", "7", 6),
    Place("آذربایجان شرقی", "تبریز", "5", 5),
    Place("خوزستان", "اهواز", "6", 4),
    Place("قم", "قم", "3", 4),
    Place("کرمانشاه", "کرمانشاه", "6", 3),
    Place("گیلان", "رشت", "4", 3),
    Place("مازندران", "ساری", "4", 3),
    Place("کرمان", "کرمان", "7", 3),
    Place("یزد", "یزد", "8", 2),
    Place("هرمزگان", "بندرعباس", "7", 2),
)
PLACE_WEIGHTS: tuple[int, ...] = tuple(place.weight for place in PLACES)

# School name stems; each city gets a few schools per stage.
SCHOOL_STEMS: tuple[str, ...] = (
    "شهید بهشتی", "فردوسی", "حافظ", "سعدی", "علامه طباطبایی", "خوارزمی", "ابن سینا",
    "فرزانگان", "نیکان", "البرز", "شهید مطهری", "پروین اعتصامی",
)  # fmt: skip
# Iranian school stages: elementary 1-6, lower secondary 7-9, upper secondary 10-12.
SCHOOL_STAGES: tuple[tuple[str, range], ...] = (
    ("دبستان", range(1, 7)),
    ("دبیرستان دوره اول", range(7, 10)),
    ("دبیرستان دوره دوم", range(10, 13)),
)
SCHOOLS_PER_STAGE = 3


class School(NamedTuple):
    name: str
    code: str


@cache
def schools_for(city_index: int, grade: int) -> tuple[School, ...]:
    """The schools of a city teaching a grade; codes are stable: city, stage, number."""
    city = PLACES[city_index].city
    for stage_index, (stage, grades) in enumerate(SCHOOL_STAGES):
        if grade in grades:
            first = city_index * 5 + stage_index * 3  # spread the stems across cities
            return tuple(
                School(
                    f"{stage} {SCHOOL_STEMS[(first + n) % len(SCHOOL_STEMS)]} {city}",
                    f"{city_index + 1:02d}{stage_index + 1:02d}{n + 1:04d}",
                )
                for n in range(SCHOOLS_PER_STAGE)
            )
    raise ValueError(f"no school teaches grade {grade}")


# The provinces, for the provincial offices' service cards (demo.service_cards): slug, fa, en.
PROVINCES: tuple[tuple[str, str, str], ...] = (
    ("tehran", "تهران", "Tehran"), ("isfahan", "اصفهان", "Isfahan"), ("fars", "فارس", "Fars"),
    ("razavi-khorasan", "خراسان رضوی", "Razavi Khorasan"),
    ("east-azerbaijan", "آذربایجان شرقی", "East Azerbaijan"),
    ("west-azerbaijan", "آذربایجان غربی", "West Azerbaijan"), ("ardabil", "اردبیل", "Ardabil"),
    ("alborz", "البرز", "Alborz"), ("ilam", "ایلام", "Ilam"), ("bushehr", "بوشهر", "Bushehr"),
    ("chaharmahal-bakhtiari", "چهارمحال و بختیاری", "Chaharmahal and Bakhtiari"),
    ("south-khorasan", "خراسان جنوبی", "South Khorasan"),
    ("north-khorasan", "خراسان شمالی", "North Khorasan"), ("khuzestan", "خوزستان", "Khuzestan"),
    ("zanjan", "زنجان", "Zanjan"), ("semnan", "سمنان", "Semnan"),
    ("sistan-baluchestan", "سیستان و بلوچستان", "Sistan and Baluchestan"),
    ("qazvin", "قزوین", "Qazvin"), ("qom", "قم", "Qom"), ("kurdistan", "کردستان", "Kurdistan"),
    ("kerman", "کرمان", "Kerman"), ("kermanshah", "کرمانشاه", "Kermanshah"),
    ("kohgiluyeh-boyer-ahmad", "کهگیلویه و بویراحمد", "Kohgiluyeh and Boyer-Ahmad"),
    ("golestan", "گلستان", "Golestan"), ("gilan", "گیلان", "Gilan"),
    ("lorestan", "لرستان", "Lorestan"), ("mazandaran", "مازندران", "Mazandaran"),
    ("markazi", "مرکزی", "Markazi"), ("hormozgan", "هرمزگان", "Hormozgan"),
    ("hamadan", "همدان", "Hamadan"), ("yazd", "یزد", "Yazd"),
)  # fmt: skip
