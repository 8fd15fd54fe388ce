"""The demo's service catalogue: a few hundred national services across the demo's agencies, and
as many provincial ones as a benchmark wants (the national window counts over 5,200 cards).

Deterministic: `service_cards(count)` is always the same first `count` cards of one sequence —
the three hand-written demo cards, then each service of each agency in its variants (issue,
renewal, ...), agencies taking turns, then the same services province by province (but the
proactive ones, which run nationally on their event). Services
that need a planned dataset (deeds, vehicles, health records, ...) are not connected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import islice, zip_longest
from typing import NamedTuple

from demo.catalogue import CARDS, STATUTES
from demo.names import PROVINCES
from services.cards import CardDraft
from standard.datasets import PlannedDataset
from standard.life_events import LifeEvent
from standard.statuses import ProactiveMode

ID, B, F, A = "civil.identity", "civil.birth", "civil.family", "civil.address"
S, E, T = "social.coverage", "education.enrollment", "tax.status"
DEEDS, VEHICLE = PlannedDataset.PROPERTY_DEEDS.value, PlannedDataset.VEHICLE_REGISTRATION.value
HEALTH, JOBS = PlannedDataset.HEALTH_RECORDS.value, PlannedDataset.EMPLOYMENT_HISTORY.value
COURT = PlannedDataset.JUDICIARY_RECORDS.value

# Variant -> (Persian, English) name templates; {fa}/{en} is the service, {En} capitalised.
VARIANTS: dict[str, tuple[str, str]] = {
    "issue": ("صدور {fa}", "{En}: issue"),
    "renew": ("تمدید {fa}", "{En}: renewal"),
    "duplicate": ("صدور المثنی {fa}", "Duplicate {en}"),
    "amend": ("اصلاح مشخصات {fa}", "{En}: change of details"),
    "cancel": ("ابطال {fa}", "{En}: cancellation"),
    "apply": ("درخواست {fa}", "{En}: application"),
    "change": ("تغییر اطلاعات {fa}", "{En}: change of circumstances"),
    "stop": ("قطع {fa}", "{En}: termination"),
    "certificate": ("گواهی {fa}", "{En}: certificate"),
    "correct": ("اصلاح {fa}", "{En}: correction"),
    "inquiry": ("استعلام {fa}", "{En}: status inquiry"),
}


class Service(NamedTuple):
    agency: str
    slug: str
    fa: str
    en: str
    datasets: tuple[str, ...]
    statutory: bool  # False: read under the citizen's consent
    variants: str  # space-separated VARIANTS keys; an inquiry is always read under consent


class Proactive(NamedTuple):
    agency: str
    slug: str
    fa: str
    en: str
    datasets: tuple[str, ...]
    event: LifeEvent
    mode: ProactiveMode
    reference_date: str | None = None  # Solar "MM-DD" an age is reckoned by
    purpose: tuple[str, str] | None = None  # (fa, en); else the catalogue's usual sentence


SERVICES: tuple[Service, ...] = (
    Service("civil-registry", "birth-certificate", "شناسنامه", "birth certificate", (ID, B, F),
            True, "issue duplicate amend inquiry"),
    Service("civil-registry", "national-card", "کارت ملی هوشمند", "national smart card", (ID, B, A),
            True, "issue renew duplicate amend inquiry"),
    Service("civil-registry", "death-certificate", "گواهی فوت", "death certificate", (ID, F), True,
            "issue duplicate inquiry"),
    Service("civil-registry", "marriage-record", "ثبت واقعه ازدواج", "marriage record", (ID, F),
            True, "certificate correct inquiry"),
    Service("social-security", "insurance-record", "سوابق بیمه", "insurance record", (ID, S, JOBS),
            False, "certificate correct inquiry"),
    Service("social-security", "unemployment-benefit", "مقرری بیمه بیکاری", "unemployment benefit",
            (ID, A, S, JOBS), True, "apply change stop inquiry"),
    Service("social-security", "dependants-cover", "بیمه افراد تحت تکفل", "dependants' cover",
            (ID, B, F, S), True, "apply change stop inquiry"),
    Service("social-security", "maternity-allowance", "کمک‌هزینه بارداری", "maternity allowance",
            (ID, B, F, S), True, "apply inquiry"),
    Service("education", "school-transfer", "انتقال دانش‌آموز", "school transfer", (ID, B, A, E),
            False, "apply inquiry"),
    Service("education", "report-card", "کارنامه تحصیلی", "school report card", (ID, E), False,
            "certificate correct inquiry"),
    Service("education", "final-exams", "ثبت‌نام امتحانات نهایی", "final exams registration",
            (ID, B, E), False, "apply cancel inquiry"),
    Service("education", "diploma", "مدرک دیپلم", "secondary school diploma", (ID, B, E), True,
            "issue duplicate amend inquiry"),
    Service("tax", "tax-clearance", "مفاصاحساب مالیاتی", "tax clearance", (ID, T), True,
            "issue renew duplicate inquiry"),
    Service("tax", "taxpayer-file", "پرونده مالیاتی", "taxpayer file", (ID, A, T), True,
            "issue amend cancel inquiry"),
    Service("tax", "rent-exemption", "معافیت مالیاتی اجاره مسکن", "rental income tax exemption",
            (ID, A, T), True, "apply inquiry"),
    Service("tax", "property-transfer-tax", "مالیات نقل و انتقال املاک", "property transfer tax",
            (ID, T, DEEDS), True, "apply inquiry"),
    Service("health-insurance", "universal-cover", "بیمه سلامت همگانی", "universal health cover",
            (ID, B, A, S), True, "apply change stop inquiry"),
    Service("health-insurance", "insurance-booklet", "دفترچه بیمه سلامت",
            "health insurance booklet", (ID, S), True, "issue renew duplicate inquiry"),
    Service("health-insurance", "rural-cover", "بیمه سلامت روستاییان", "rural health cover",
            (ID, A, S), True, "apply change stop inquiry"),
    Service("health-insurance", "treatment-refund", "بازپرداخت هزینه‌های درمان",
            "treatment cost refund", (ID, S, HEALTH), False, "apply inquiry"),
    Service("welfare", "household-subsidy", "یارانه نقدی خانوار", "household cash subsidy",
            (ID, B, F, A, S, E, T), True, "apply change stop inquiry"),
    Service("welfare", "goods-voucher", "کالابرگ الکترونیکی", "electronic goods voucher",
            (ID, F, A, S, T), True, "apply change inquiry"),
    Service("welfare", "livelihood-aid", "کمک معیشتی", "livelihood aid", (ID, F, A, S, T), True,
            "apply change stop inquiry"),
    Service("welfare", "labour-complaint", "شکایت کارگری", "labour complaint", (ID, A, JOBS), False,
            "apply inquiry"),
    Service("traffic-police", "driving-licence", "گواهینامه رانندگی", "driving licence",
            (ID, B, A, HEALTH), True, "issue renew duplicate amend cancel inquiry"),
    Service("traffic-police", "number-plate", "پلاک خودرو", "number plate", (ID, A, VEHICLE), True,
            "issue duplicate cancel inquiry"),
    Service("traffic-police", "traffic-fines", "خلافی خودرو", "traffic fines", (ID, VEHICLE), False,
            "certificate inquiry"),
    Service("passport-police", "passport", "گذرنامه", "passport", (ID, B, A, COURT), True,
            "issue renew duplicate amend inquiry"),
    Service("passport-police", "minor-exit-permit", "اجازه خروج فرزند زیر ۱۸ سال",
            "exit permit for a minor", (ID, B, F), True, "issue cancel inquiry"),
    Service("passport-police", "pilgrimage-pass", "گذرنامه زیارتی اربعین",
            "Arbaeen pilgrimage pass", (ID, B, A), True, "issue cancel inquiry"),
    Service("judiciary", "criminal-record", "گواهی عدم سوءپیشینه", "criminal record certificate",
            (ID, B, COURT), True, "issue duplicate inquiry"),
    Service("judiciary", "inheritance-certificate", "گواهی انحصار وراثت",
            "certificate of inheritance", (ID, F, DEEDS), True, "issue amend inquiry"),
    Service("judiciary", "guardianship-order", "حکم قیمومت", "guardianship order", (ID, B, F), True,
            "issue amend cancel inquiry"),
    Service("deeds-registry", "title-deed", "سند مالکیت", "title deed", (ID, DEEDS), True,
            "issue duplicate amend cancel inquiry"),
    Service("deeds-registry", "power-of-attorney", "وکالت‌نامه رسمی", "power of attorney",
            (ID, B, A), True, "issue cancel inquiry"),
    Service("deeds-registry", "company-registration", "ثبت شرکت", "company registration",
            (ID, A, T), True, "issue amend cancel inquiry"),
    Service("health-ministry", "vaccination-card", "کارت واکسیناسیون", "vaccination card",
            (ID, B, HEALTH), False, "issue duplicate inquiry"),
    Service("health-ministry", "practice-licence", "پروانه مطب", "medical practice licence",
            (ID, A), True, "issue renew cancel inquiry"),
    Service("health-ministry", "health-card", "کارت بهداشت", "food handler's health card",
            (ID, A, HEALTH), True, "issue renew inquiry"),
    Service("science-ministry", "degree-verification", "تأیید مدرک دانشگاهی",
            "university degree verification", (ID, E), False, "certificate inquiry"),
    Service("science-ministry", "student-loan", "وام دانشجویی", "student loan", (ID, F, A, E, T),
            True, "apply change inquiry"),
    Service("science-ministry", "study-abroad", "مجوز تحصیل در خارج از کشور", "study abroad permit",
            (ID, B, E), True, "issue renew cancel inquiry"),
    Service("conscription", "study-deferment", "معافیت تحصیلی", "study deferment", (ID, B, E), True,
            "issue renew cancel inquiry"),
    Service("conscription", "service-card", "کارت پایان خدمت", "military service card", (ID, B, A),
            True, "issue duplicate inquiry"),
    Service("conscription", "medical-exemption", "معافیت پزشکی", "medical exemption",
            (ID, B, HEALTH), True, "apply inquiry"),
    Service("pension-fund", "retirement-pension", "حقوق بازنشستگی", "retirement pension",
            (ID, S, JOBS), True, "apply change inquiry"),
    Service("pension-fund", "survivors-pension", "مستمری بازماندگان", "survivors' pension",
            (ID, F, S), True, "apply change stop inquiry"),
    Service("relief-foundation", "family-support", "مستمری خانواده‌های تحت حمایت",
            "family support allowance", (ID, F, A, S, T), True, "apply change stop inquiry"),
    Service("relief-foundation", "housing-aid", "کمک‌هزینه مسکن", "housing aid", (ID, F, A, DEEDS),
            True, "apply inquiry"),
    Service("relief-foundation", "trousseau-aid", "کمک جهیزیه", "marriage trousseau aid",
            (ID, F, A), True, "apply inquiry"),
    Service("welfare-organization", "disability-card", "کارت معلولیت", "disability card",
            (ID, B, HEALTH), True, "issue renew duplicate inquiry"),
    Service("welfare-organization", "home-care-allowance", "کمک‌هزینه نگهداری در منزل",
            "home care allowance", (ID, F, A, S), True, "apply change stop inquiry"),
    Service("roads-ministry", "national-housing", "طرح نهضت ملی مسکن", "national housing scheme",
            (ID, F, A, DEEDS), True, "apply change cancel inquiry"),
    Service("roads-ministry", "engineering-licence", "پروانه اشتغال مهندسی",
            "engineering practice licence", (ID, A, JOBS), True, "issue renew inquiry"),
    Service("post", "postal-code", "کد پستی", "postal code", (ID, A), False, "certificate inquiry"),
    Service("post", "address-registration", "ثبت نشانی", "address registration", (ID, A), False,
            "apply change inquiry"),
    Service("post", "e-mailbox", "صندوق پستی الکترونیکی", "electronic mailbox", (ID, A), False,
            "apply cancel inquiry"),
    Service("industry-ministry", "business-licence", "پروانه کسب", "business licence",
            (ID, A, T, COURT), True, "issue renew duplicate amend cancel inquiry"),
    Service("industry-ministry", "commercial-card", "کارت بازرگانی", "commercial card", (ID, A, T),
            True, "issue renew duplicate cancel inquiry"),
    Service("industry-ministry", "car-purchase", "ثبت‌نام خرید خودرو", "car purchase registration",
            (ID, A, VEHICLE), False, "apply cancel inquiry"),
    Service("agriculture-ministry", "farmer-card", "کارت کشاورزی", "farmer card", (ID, A, DEEDS),
            True, "issue renew inquiry"),
    Service("agriculture-ministry", "crop-insurance", "بیمه محصولات کشاورزی", "crop insurance",
            (ID, A, S), True, "apply change inquiry"),
    Service("agriculture-ministry", "fertiliser-quota", "سهمیه کود یارانه‌ای",
            "subsidised fertiliser quota", (ID, A), True, "apply inquiry"),
    Service("customs", "traveller-goods", "اظهار کالای همراه مسافر",
            "traveller's goods declaration", (ID, A, T), True, "apply inquiry"),
    Service("customs", "vehicle-clearance", "ترخیص خودرو", "vehicle customs clearance",
            (ID, T, VEHICLE), True, "apply inquiry"),
    Service("customs", "broker-card", "کارت کارگزاری گمرکی", "customs broker card", (ID, A, T),
            True, "issue renew cancel inquiry"),
    Service("central-bank", "marriage-loan", "وام قرض‌الحسنه ازدواج", "interest-free marriage loan",
            (ID, F, A), True, "apply inquiry"),
    Service("central-bank", "childbirth-loan", "وام فرزندآوری", "childbirth loan", (ID, B, F), True,
            "apply inquiry"),
    Service("central-bank", "returned-cheques", "سابقه چک برگشتی", "returned cheque record",
            (ID, T), False, "certificate inquiry"),
    Service("interior-ministry", "council-candidacy", "داوطلبی انتخابات شوراها",
            "local council candidacy", (ID, B, A, E, COURT), True, "apply cancel inquiry"),
    Service("interior-ministry", "assembly-permit", "مجوز تجمع", "assembly permit", (ID, A), False,
            "apply inquiry"),
    Service("interior-ministry", "citizen-petition", "درخواست مردمی", "citizen petition", (ID, A),
            False, "apply inquiry"),
    Service("sports-ministry", "coach-card", "کارت مربیگری", "coaching card", (ID, B, HEALTH), True,
            "issue renew inquiry"),
    Service("sports-ministry", "young-couples-support", "حمایت از ازدواج جوانان",
            "young couples' support", (ID, F, A, S), False, "apply inquiry"),
    Service("tehran-municipality", "building-permit", "پروانه ساختمان", "building permit",
            (ID, A, DEEDS), True, "issue renew amend inquiry"),
    Service("tehran-municipality", "residents-traffic-permit", "طرح ترافیک ساکنین",
            "residents' traffic permit", (ID, A, VEHICLE), False, "apply renew inquiry"),
    Service("tehran-municipality", "renewal-levy", "عوارض نوسازی", "urban renewal levy",
            (ID, A, DEEDS), True, "certificate inquiry"),
    Service("elites-foundation", "elite-membership", "عضویت بنیاد ملی نخبگان", "elite membership",
            (ID, B, E), False, "apply inquiry"),
    Service("elites-foundation", "study-award", "جایزه تحصیلی نخبگان", "elite study award",
            (ID, E, T), False, "apply inquiry"),
    Service("martyrs-foundation", "veteran-card", "کارت ایثارگری", "veteran card",
            (ID, B, F, HEALTH), True, "issue renew duplicate inquiry"),
    Service("martyrs-foundation", "education-quota", "سهمیه تحصیلی ایثارگران",
            "veterans' education quota", (ID, F, E), True, "certificate inquiry"),
    Service("energy-ministry", "electricity-connection", "انشعاب برق", "electricity connection",
            (ID, A, DEEDS), False, "apply change cancel inquiry"),
    Service("energy-ministry", "water-connection", "انشعاب آب", "water connection", (ID, A), False,
            "apply change cancel inquiry"),
    Service("ict-ministry", "sim-ownership", "مالکیت سیم‌کارت", "SIM card ownership", (ID, B, A),
            False, "certificate inquiry"),
    Service("ict-ministry", "home-broadband", "اینترنت ثابت خانگی", "home broadband", (ID, A),
            False, "apply cancel inquiry"),
    Service("vocational-training", "skills-certificate", "گواهینامه مهارت", "skills certificate",
            (ID, E, JOBS), False, "issue duplicate inquiry"),
    Service("vocational-training", "course-registration", "ثبت‌نام دوره مهارت‌آموزی",
            "vocational course registration", (ID, B, A, E), False, "apply cancel inquiry"),
)  # fmt: skip

# Services that run on a life event, with no request (always under a statute), each saying what
# it asks of the citizen: an offer to confirm, a service they may decline, or a notice.
PROACTIVE: tuple[Proactive, ...] = (
    Proactive("civil-registry", "smart-card-invitation", "دعوت به دریافت کارت ملی هوشمند",
              "Invitation to a national smart card", (ID, B, A), LifeEvent.AGE_REACHED_15,
              ProactiveMode.NOTIFY),
    Proactive("education", "first-grade-introduction",
              "معرفی کودک به دبستان نزدیک خانه برای پایه اول",
              "Introducing a child to a school near home for first grade", (ID, B, A),
              LifeEvent.AGE_REACHED_6, ProactiveMode.CONFIRM, "07-01",
              ("معرفی کودکی که تا اول مهر شش‌ساله می‌شود به دبستان دولتی نزدیک نشانی خانه در ثبت "
               "احوال؛ والدین تأیید می‌کنند و اگر مدرسهٔ دیگری را می‌خواهند، نامش را در یادداشت "
               "می‌نویسند",
               "Introduce a child who turns 6 by 1 Mehr to the state elementary school nearest "
               "the home address the civil registry holds; the parents confirm, naming another "
               "school in their note if they prefer one")),
    Proactive("conscription", "call-up", "احضار مشمولان به خدمت وظیفه",
              "Call-up for military service", (ID, B, A, E), LifeEvent.AGE_REACHED_18,
              ProactiveMode.NOTIFY),
    Proactive("social-security", "survivors-benefit", "برقراری مستمری بازماندگان بیمه‌شده متوفی",
              "Survivors' benefit of a deceased member", (ID, F, S), LifeEvent.DEATH_REGISTERED,
              ProactiveMode.MAY_DECLINE),
    Proactive("social-security", "insurance-end-on-death", "پایان بیمه فرد متوفی",
              "Ending a deceased person's insurance", (ID, S), LifeEvent.DEATH_REGISTERED,
              ProactiveMode.NOTIFY, None,
              ("پایان بیمهٔ فرد متوفی از تاریخ فوت، بی‌آنکه بازماندگان درخواستی بدهند",
               "End a deceased person's insurance from the date of death, without the survivors "
               "having to ask")),
    Proactive("pension-fund", "survivors-pension-start", "برقراری خودکار مستمری بازماندگان",
              "Automatic survivors' pension", (ID, F, S), LifeEvent.DEATH_REGISTERED,
              ProactiveMode.MAY_DECLINE),
    Proactive("tax", "inheritance-tax-file", "تشکیل پرونده مالیات بر ارث",
              "Opening an inheritance tax file", (ID, F, T, DEEDS), LifeEvent.DEATH_REGISTERED,
              ProactiveMode.NOTIFY),
    Proactive("health-ministry", "newborn-screening", "غربالگری نوزاد", "Newborn screening",
              (ID, B, F, HEALTH), LifeEvent.BIRTH_REGISTERED, ProactiveMode.NOTIFY),
    Proactive("relief-foundation", "orphan-support", "حمایت از فرزندان خانواده‌های داغدار",
              "Support for bereaved children", (ID, B, F, S), LifeEvent.DEATH_REGISTERED,
              ProactiveMode.MAY_DECLINE),
    Proactive("welfare-organization", "elderly-care-assessment", "ارزیابی نیازهای مراقبتی سالمندان",
              "Elderly care assessment", (ID, B, A, S), LifeEvent.AGE_REACHED_60,
              ProactiveMode.MAY_DECLINE),
    Proactive("central-bank", "childbirth-loan-offer", "پیشنهاد وام فرزندآوری",
              "Childbirth loan offer", (ID, B, F), LifeEvent.BIRTH_REGISTERED,
              ProactiveMode.CONFIRM),
)  # fmt: skip

DEMO_COUNT = 300  # the demo world's catalogue
BENCH_COUNT = 5_200  # about the national window's


def _purpose(fa: str, en: str) -> tuple[str, str]:
    return (
        f"{fa}، با اطلاعات استعلام‌شده از دستگاه‌ها به جای مدارک کاغذی",
        f"{en}, with the applicant's data read from the agencies instead of paper proofs",
    )


def _variants(service: Service) -> Iterator[CardDraft]:
    for variant in service.variants.split():
        fa_name, en_name = VARIANTS[variant]
        name_en = en_name.format(en=service.en, En=service.en[0].upper() + service.en[1:])
        name_fa = fa_name.format(fa=service.fa)
        statutory = service.statutory and variant != "inquiry"
        purpose_fa, purpose_en = _purpose(name_fa, name_en)
        yield CardDraft(
            id=f"{service.slug}-{variant}",
            agency=service.agency,
            name_fa=name_fa,
            name_en=name_en,
            purpose_fa=purpose_fa,
            purpose_en=purpose_en,
            datasets=service.datasets,
            legal_basis="statute" if statutory else "consent",
            statute=STATUTES[service.agency] if statutory else None,
        )


def _proactive(service: Proactive) -> CardDraft:
    purpose_fa, purpose_en = service.purpose or _purpose(service.fa, service.en)
    return CardDraft(
        id=service.slug,
        agency=service.agency,
        name_fa=service.fa,
        name_en=service.en,
        purpose_fa=purpose_fa,
        purpose_en=purpose_en,
        datasets=service.datasets,
        legal_basis="statute",
        statute=STATUTES[service.agency],
        proactive=True,
        life_event=service.event,
        proactive_mode=service.mode,
        reference_date=service.reference_date,
    )


def national_cards() -> list[CardDraft]:
    """The hand-written cards, then every national service, agencies taking turns."""
    by_agency: dict[str, list[CardDraft]] = {}
    for service in SERVICES:
        by_agency.setdefault(service.agency, []).extend(_variants(service))
    for proactive in PROACTIVE:
        by_agency.setdefault(proactive.agency, []).append(_proactive(proactive))
    turns = zip_longest(*by_agency.values())
    return [*CARDS, *(card for turn in turns for card in turn if card is not None)]


def _provincial(card: CardDraft, slug: str, fa: str, en: str) -> CardDraft:
    return replace(
        card,
        id=f"{card.id}-{slug}",
        name_fa=f"{card.name_fa} (استان {fa})",
        name_en=f"{card.name_en} ({en} province)",
    )


def all_cards() -> Iterator[CardDraft]:
    """The national cards, then the provinces' copies of the services citizens ask for. A
    proactive service is not copied: it runs once, nationally, on its event (31 provincial copies
    would each make a case of the same birth)."""
    national = national_cards()
    yield from national
    asked = [card for card in national if not card.proactive]
    for slug, fa, en in PROVINCES:
        for card in asked:
            yield _provincial(card, slug, fa, en)


def service_cards(count: int = DEMO_COUNT) -> list[CardDraft]:
    """The first `count` cards of the catalogue's one deterministic sequence."""
    return list(islice(all_cards(), count))
