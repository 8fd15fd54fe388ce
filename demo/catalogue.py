"""The demo's agencies, service cards and clients: who is in the demo world, what they may read."""

from __future__ import annotations

from dataclasses import dataclass

from services.cards import CardDraft
from standard.datasets import AGENCY_ADMIN_SCOPE, Dataset
from standard.life_events import REPORT_SCOPE, LifeEvent
from standard.statuses import ProactiveMode

AGENCIES: tuple[tuple[str, str, str], ...] = (
    ("civil-registry", "سازمان ثبت احوال کشور", "National Organization for Civil Registration"),
    ("social-security", "سازمان تأمین اجتماعی", "Social Security Organization"),
    ("education", "وزارت آموزش و پرورش", "Ministry of Education"),
    ("tax", "سازمان امور مالیاتی کشور", "National Tax Administration"),
    ("health-insurance", "سازمان بیمه سلامت ایران", "Iran Health Insurance Organization"),
    ("welfare", "وزارت تعاون، کار و رفاه اجتماعی", "Ministry of Cooperatives, Labour and Welfare"),
    # Agencies with services in the catalogue (demo/service_cards.py) but no demo data source.
    ("traffic-police", "پلیس راهنمایی و رانندگی فراجا", "FARAJA Traffic Police"),
    ("passport-police", "پلیس مهاجرت و گذرنامه فراجا", "FARAJA Immigration and Passport Police"),
    ("judiciary", "قوه قضاییه", "Judiciary of the Islamic Republic of Iran"),
    ("deeds-registry", "سازمان ثبت اسناد و املاک کشور",
     "Deeds and Real Estate Registration Organization"),
    ("health-ministry", "وزارت بهداشت، درمان و آموزش پزشکی",
     "Ministry of Health and Medical Education"),
    ("science-ministry", "وزارت علوم، تحقیقات و فناوری",
     "Ministry of Science, Research and Technology"),
    ("conscription", "سازمان وظیفه عمومی فراجا", "FARAJA Conscription Organization"),
    ("pension-fund", "صندوق بازنشستگی کشوری", "Civil Servants Pension Fund"),
    ("relief-foundation", "کمیته امداد امام خمینی", "Imam Khomeini Relief Foundation"),
    ("welfare-organization", "سازمان بهزیستی کشور", "State Welfare Organization"),
    ("roads-ministry", "وزارت راه و شهرسازی", "Ministry of Roads and Urban Development"),
    ("post", "شرکت ملی پست", "Iran Post Company"),
    ("industry-ministry", "وزارت صنعت، معدن و تجارت", "Ministry of Industry, Mine and Trade"),
    ("agriculture-ministry", "وزارت جهاد کشاورزی", "Ministry of Agriculture Jihad"),
    ("customs", "گمرک جمهوری اسلامی ایران", "Islamic Republic of Iran Customs Administration"),
    ("central-bank", "بانک مرکزی جمهوری اسلامی ایران",
     "Central Bank of the Islamic Republic of Iran"),
    ("interior-ministry", "وزارت کشور", "Ministry of Interior"),
    ("sports-ministry", "وزارت ورزش و جوانان", "Ministry of Sport and Youth"),
    ("tehran-municipality", "شهرداری تهران", "Tehran Municipality"),
    ("elites-foundation", "بنیاد ملی نخبگان", "National Elites Foundation"),
    ("martyrs-foundation", "بنیاد شهید و امور ایثارگران",
     "Foundation of Martyrs and Veterans Affairs"),
    ("energy-ministry", "وزارت نیرو", "Ministry of Energy"),
    ("ict-ministry", "وزارت ارتباطات و فناوری اطلاعات",
     "Ministry of Information and Communications Technology"),
    ("vocational-training", "سازمان آموزش فنی و حرفه‌ای کشور",
     "Technical and Vocational Training Organization"),
)  # fmt: skip


# The law each agency's statutory services read under.
STATUTES: dict[str, str] = {
    "civil-registry": "Civil Registration Act, article 12",
    "social-security": "Social Security Act, article 3",
    "education": "Fundamental Education Act, article 2",
    "tax": "Direct Taxes Act, article 17",
    "health-insurance": "Universal Health Insurance Act, article 3",
    "welfare": "Comprehensive Welfare and Social Security System Act, article 7",
    "traffic-police": "Road Traffic Offences Act, article 2",
    "passport-police": "Passport Act, article 16",
    "judiciary": "Criminal Records Act, article 1",
    "deeds-registry": "Registration of Deeds and Properties Act, article 22",
    "health-ministry": "Medical and Pharmaceutical Affairs Act, article 3",
    "science-ministry": "Higher Education Admission Act, article 3",
    "conscription": "Public Conscription Act, article 10",
    "pension-fund": "Civil Service Pension Act, article 81",
    "relief-foundation": "Relief Foundation Charter, article 2",
    "welfare-organization": "Protection of Disabled Persons Rights Act, article 6",
    "roads-ministry": "Housing Production Support Act, article 4",
    "post": "Postal Services Act, article 5",
    "industry-ministry": "Guild System Act, article 12",
    "agriculture-ministry": "Agricultural Products Insurance Act, article 2",
    "customs": "Customs Affairs Act, article 4",
    "central-bank": "Interest-Free Banking Act, article 9",
    "interior-ministry": "Local Councils Elections Act, article 26",
    "sports-ministry": "Youth Marriage Facilitation Act, article 4",
    "tehran-municipality": "Municipalities Act, article 55",
    "elites-foundation": "National Elites Foundation Statute, article 3",
    "martyrs-foundation": "Comprehensive Veterans Services Act, article 7",
    "energy-ministry": "Water and Electricity Distribution Act, article 2",
    "ict-ministry": "Telecommunications Services Act, article 11",
    "vocational-training": "Technical and Vocational Training Act, article 5",
}

CARDS: tuple[CardDraft, ...] = (
    CardDraft(
        id="newborn-health-insurance",
        agency="social-security",
        name_fa="بیمه سلامت نوزاد",
        name_en="Newborn health insurance",
        purpose_fa="ثبت نوزاد در بیمه سلامت به عنوان فرد تحت تکفل والدین",
        purpose_en="Enrol a newborn in health insurance as a dependant of its parents",
        datasets=(Dataset.CIVIL_BIRTH, Dataset.CIVIL_FAMILY, Dataset.SOCIAL_COVERAGE),
        legal_basis="statute",
        statute="Universal Health Insurance Act, article 3",
        proactive=True,
        life_event=LifeEvent.BIRTH_REGISTERED,
        proactive_mode=ProactiveMode.NOTIFY,
    ),
    CardDraft(
        id="subsidy-eligibility",
        agency="welfare",
        name_fa="تعیین استحقاق یارانه",
        name_en="Subsidy eligibility assessment",
        purpose_fa="سنجش استحقاق خانوار برای یارانه",
        purpose_en="Assess a household's eligibility for targeted subsidies",
        datasets=tuple(Dataset),
        legal_basis="statute",
        statute="Targeted Subsidies Act, article 7",
    ),
    CardDraft(
        id="school-enrolment",
        agency="education",
        name_fa="ثبت نام مدرسه",
        name_en="School enrolment",
        purpose_fa="ثبت نام کودک در مدرسه نزدیک محل سکونت",
        purpose_en="Enrol a child in a school near home",
        datasets=(Dataset.CIVIL_IDENTITY, Dataset.CIVIL_BIRTH, Dataset.CIVIL_ADDRESS),
        legal_basis="consent",
    ),
    CardDraft(
        # Not a service to citizens: the registry's own client reports the births and deaths it
        # registers, and the gateway checks each against the registry's birth or death record.
        id="life-event-reports",
        agency="civil-registry",
        name_fa="گزارش رویدادهای زندگی",
        name_en="Life event reports",
        purpose_fa="گزارش ولادت‌ها و فوت‌های ثبت‌شده به درگاه برای خدمات پیش‌دستانه",
        purpose_en="Report registered births and deaths to the gateway for proactive services",
        datasets=(Dataset.CIVIL_BIRTH, REPORT_SCOPE),
        legal_basis="statute",
        statute="Civil Registration Act, article 12",
    ),
)


@dataclass(frozen=True)
class DemoClient:
    role: str  # the key in var/demo.json
    client_id: str
    name: str
    agency: str
    client_role: str  # service | agency_admin
    card: str | None
    scopes: tuple[str, ...]
    grant_types: tuple[str, ...] = ("client_credentials",)
    redirect_uris: tuple[str, ...] = ()


def _card(card_id: str) -> CardDraft:
    return next(card for card in CARDS if card.id == card_id)


CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        role="statutory",
        client_id="newborn-insurance",
        name="Newborn health insurance service",
        agency="social-security",
        client_role="service",
        card="newborn-health-insurance",
        scopes=tuple(_card("newborn-health-insurance").datasets),
    ),
    DemoClient(
        role="statutory_all_datasets",
        client_id="subsidy-eligibility",
        name="Subsidy eligibility service",
        agency="welfare",
        client_role="service",
        card="subsidy-eligibility",
        scopes=tuple(_card("subsidy-eligibility").datasets),
    ),
    DemoClient(
        role="consent",
        client_id="school-enrolment",
        name="School enrolment service",
        agency="education",
        client_role="service",
        card="school-enrolment",
        scopes=tuple(_card("school-enrolment").datasets),
        grant_types=("authorization_code", "refresh_token"),
        redirect_uris=("http://127.0.0.1:8765/callback",),
    ),
    DemoClient(
        # demo.events reports the registry's births and deaths with it (reportLifeEvent).
        role="civil_registry_events",
        client_id="civil-registry-events",
        name="Civil registry life event reports",
        agency="civil-registry",
        client_role="service",
        card="life-event-reports",
        scopes=tuple(_card("life-event-reports").datasets),
    ),
    DemoClient(
        role="agency_admin",
        client_id="civil-registry-admin",
        name="Civil registry administrators",
        agency="civil-registry",
        client_role="agency_admin",
        card=None,
        scopes=(AGENCY_ADMIN_SCOPE,),
    ),
    DemoClient(
        # Receives social security's proactive cases (agencyServiceCases, its webhook).
        role="social_admin",
        client_id="social-security-admin",
        name="Social Security Organization administrators",
        agency="social-security",
        client_role="agency_admin",
        card=None,
        scopes=(AGENCY_ADMIN_SCOPE,),
    ),
    DemoClient(
        role="education_admin",
        client_id="education-admin",
        name="Ministry of Education administrators",
        agency="education",
        client_role="agency_admin",
        card=None,
        scopes=(AGENCY_ADMIN_SCOPE,),
    ),
)
