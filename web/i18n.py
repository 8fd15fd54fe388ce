"""The citizen pages' words in Persian (the default, right to left) and English, and the choice of
language: `?lang=` (remembered in a cookie), then that cookie, then Accept-Language, negotiated by
Babel. Dates: Solar Hijri with Persian digits in Persian, Gregorian in English.

What each dataset means, in plain words, is said here and nowhere else.
"""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel.dates import format_date as babel_format_date
from starlette.requests import Request

from standard import solar_hijri
from web import accept_language, words
from web.words.areas import AREAS

LANGUAGES = ("fa", "en")
DEFAULT = "fa"
LANG_COOKIE = "darvazeh_lang"
_LOCALES = {lang: Locale.parse(lang) for lang in LANGUAGES}
DIRECTION = {lang: locale.text_direction for lang, locale in _LOCALES.items()}
LANGUAGE_NAME = {lang: str(locale.display_name) for lang, locale in _LOCALES.items()}

DATASETS: dict[str, dict[str, str]] = {
    "civil.identity": {
        "fa": "نام، نام خانوادگی، نام پدر، جنسیت و ثبت فوت (اگر باشد)",
        "en": "Name, father's name, gender, and a registered death if any",
    },
    "civil.birth": {
        "fa": "تاریخ و محل تولد",
        "en": "Date and place of birth",
    },
    "civil.family": {
        "fa": "پیوندهای خانوادگی: کد ملی پدر و مادر و فرزندان",
        "en": "Family links: the national codes of parents and children",
    },
    "civil.address": {
        "fa": "نشانی محل سکونت: استان، شهر و کد پستی",
        "en": "Home address: province, city and postal code",
    },
    "social.coverage": {
        "fa": "پوشش بیمه: شماره، وضعیت و نوع بیمه و افراد تحت تکفل",
        "en": "Insurance cover: number, status, type and dependants",
    },
    "education.enrollment": {
        "fa": "ثبت‌نام مدرسه: مدرسه، پایه و سال تحصیلی",
        "en": "School enrolment: school, grade and academic year",
    },
    "tax.status": {
        "fa": "وضعیت مالیاتی: شناسه مؤدی، مفاصاحساب و آخرین اظهارنامه",
        "en": "Tax standing: taxpayer id, clearance and last tax return",
    },
    # Planned: service cards name them, the standard does not have them yet.
    "property.deeds": {
        "fa": "اسناد مالکیت املاک",
        "en": "Property title deeds",
    },
    "vehicle.registration": {
        "fa": "پلاک و سند خودرو",
        "en": "Vehicle registration and ownership",
    },
    "health.records": {
        "fa": "پرونده سلامت: واکسیناسیون، بیماری‌ها و معاینات",
        "en": "Health record: vaccinations, conditions and check-ups",
    },
    "employment.history": {
        "fa": "سوابق اشتغال و کارفرمایان",
        "en": "Employment history and employers",
    },
    "judiciary.records": {
        "fa": "سوابق قضایی و گواهی عدم سوءپیشینه",
        "en": "Judicial records and criminal-record certificate",
    },
}

# The citizen pages' own words (login, consent, consents, the access log); the other areas' words
# are in web/words/, and STRINGS holds them all.
_CORE: dict[str, dict[str, str]] = {
    "fa": {
        "app_name": "دروازه",
        "tagline": "پنجره ملی خدمات دولت",
        "skip": "رفتن به محتوا",
        "login_title": "ورود به دروازه",
        "login_intro": "برای ادامه، با کد ملی و گذرواژه خود وارد شوید.",
        "national_code": "کد ملی",
        "national_code_hint": "۱۰ رقم، بدون خط تیره",
        "password": "گذرواژه",
        "sign_in": "ورود",
        "login_invalid": "کد ملی یا گذرواژه درست نیست.",
        "login_malformed": "کد ملی ۱۰ رقمی معتبر خود را وارد کنید.",
        "login_throttled": "تلاش‌های ناموفق بسیار بوده است. "
        "لطفاً {minutes} دقیقه دیگر دوباره تلاش کنید.",
        "login_rate_limited": "درخواست‌ها بیش از حد بوده است. "
        "لطفاً {seconds} ثانیه دیگر دوباره تلاش کنید.",
        "login_ended_DECEASED": "این حساب بسته شده است: ثبت احوال فوت دارندهٔ این کد ملی را "
        "ثبت کرده است. رضایت‌های او نیز لغو شده است. اگر این ثبت نادرست است، به ثبت احوال "
        "مراجعه کنید.",
        "login_unavailable": "اکنون امکان بررسی وضعیت حساب در ثبت احوال نیست. "
        "لطفاً کمی بعد دوباره تلاش کنید.",
        "err_child_deceased": "ثبت احوال فوت این فرزند را ثبت کرده است؛ رضایت برای او ممکن نیست.",
        "revoked_DECEASED": "به سبب فوت",
        "account_ended_title": "حساب بسته شده است",
        "err_registry_unavailable": "اکنون امکان پرسش از ثبت احوال نیست. "
        "لطفاً کمی بعد دوباره تلاش کنید.",
        "signed_in_as": "کد ملی {id}",
        "sign_out": "خروج",
        "my_consents": "رضایت‌های من",
        "consent_title": "«{service}» می‌خواهد اطلاعات شما را بخواند",
        "service": "خدمت",
        "agency": "دستگاه",
        "purpose": "هدف",
        "datasets_legend": "اطلاعاتی که خوانده می‌شود",
        "datasets_hint": "هر موردی را که نمی‌خواهید در اختیار بگذارید، بردارید.",
        "duration": "مدت",
        "duration_value": "{days} روز، تا {date}",
        "child_cap": "برای فرزند، رضایت حداکثر تا روز تولد ۱۸ سالگی او معتبر است.",
        "whose_legend": "اطلاعات چه کسی",
        "for_myself": "خودم",
        "for_child": "فرزندم (زیر ۱۸ سال)",
        "child_code": "کد ملی فرزند",
        "approve": "موافقم",
        "deny": "موافق نیستم",
        "revocable": "هر زمان بخواهید می‌توانید این رضایت را در صفحهٔ «رضایت‌های من» لغو کنید.",
        "err_no_datasets": "دست‌کم یک مورد را برای اشتراک انتخاب کنید، یا «موافق نیستم» را بزنید.",
        "err_bad_datasets": "یکی از موارد انتخاب‌شده جزو درخواست این خدمت نیست.",
        "err_child_code": "کد ملی ۱۰ رقمی معتبر فرزندتان را وارد کنید.",
        "err_child_self": "این کد ملی خود شماست؛ گزینهٔ «خودم» را انتخاب کنید.",
        "err_no_record": "ثبت احوال برای این کد ملی سند ولادتی ندارد.",
        "err_not_parent": "در سند ولادت این فرزند، نام شما به عنوان پدر یا مادر ثبت نشده است.",
        "err_adult": "این فرزند ۱۸ سال یا بیشتر دارد و خودش باید رضایت دهد.",
        "err_unavailable": "اکنون امکان بررسی سند ولادت در ثبت احوال نیست. "
        "لطفاً کمی بعد دوباره تلاش کنید.",
        "err_unknown_client": "این خدمت دیگر فعال نیست.",
        "err_invalid_national_id": "کد ملی معتبر نیست.",
        "problem": "مشکل",
        "request_unknown_title": "درخواست معتبر نیست",
        "request_unknown": "این نشانی به درخواستی معتبر اشاره نمی‌کند. "
        "به سایت خدمت برگردید و دوباره شروع کنید.",
        "request_gone_title": "درخواست منقضی شده است",
        "request_gone": "این درخواست منقضی شده یا پیش‌تر استفاده شده است. "
        "به سایت خدمت برگردید و دوباره شروع کنید.",
        "authorize_refused_title": "درخواست مجوز پذیرفته نشد",
        "authorize_refused": "به خدمتی که از آن آمده‌اید برگردید و دوباره تلاش کنید.",
        "csrf_title": "فرم منقضی شده است",
        "csrf": "لطفاً صفحه را دوباره باز کنید و دوباره تلاش کنید.",
        "not_found_title": "یافت نشد",
        "not_found": "چنین رضایتی در میان رضایت‌های شما نیست.",
        "consents_title": "رضایت‌های من",
        "consents_intro": "خدماتی که به آنها اجازهٔ خواندن اطلاعات خود یا فرزندتان را داده‌اید.",
        "consents_none": "هنوز به هیچ خدمتی رضایت نداده‌اید.",
        "datasets": "اطلاعات",
        "for_whom": "برای",
        "created": "تاریخ رضایت",
        "expires": "پایان",
        "status": "وضعیت",
        "uses": "دفعات استفاده",
        "last_use": "آخرین استفاده",
        "actions": "اقدام",
        "revoke": "لغو رضایت",
        "revoke_label": "لغو رضایت «{service}»",
        "whom_self": "خودم",
        "whom_child": "فرزند: {id}",
        "never": "—",
        "status_ACTIVE": "فعال",
        "status_REVOKED": "لغو شده",
        "status_EXPIRED": "منقضی",
        "my_data_access": "گزارش دسترسی‌ها",
        "access_title": "چه کسی اطلاعات مرا خوانده است",
        "access_title_child": "چه کسی اطلاعات فرزندم را خوانده است",
        "access_child_of": "کد ملی فرزند: {id}",
        "access_intro": "هر بار که خدمتی یا دستگاهی از راه دروازه اطلاعات شما را خوانده "
        "یا خواسته است، اینجا ثبت شده است: چه کسی، چه زمانی، چه اطلاعاتی و به چه دلیل.",
        "access_none": "هنوز کسی اطلاعات شما را از راه دروازه نخوانده است.",
        "access_none_child": "هنوز کسی اطلاعات این فرزند را از راه دروازه نخوانده است.",
        "access_when": "زمان",
        "access_who": "چه کسی",
        "access_why": "چرا",
        "access_outcome": "نتیجه",
        "access_source_of": "از {agency}",
        "basis_consent": "رضایت",
        "basis_statute": "حکم قانون",
        "basis_citizen": "خودتان، در دروازه",
        "basis_none": "بدون مبنا",
        "basis_system": "بررسی خودکار دروازه، به حکم قانون",
        "case_label": "پرونده",
        "outcome_GRANTED": "خوانده شد",
        "outcome_DENIED": "رد شد",
        "outcome_SOURCE_ERROR": "ناموفق (خطای منبع)",
        "portal": "درگاه دروازه",
        "access_child_legend": "گزارش فرزند زیر ۱۸ سال",
        "access_show": "نمایش",
        "access_back_to_mine": "بازگشت به گزارش خودم",
        "access_pages": "صفحه‌های گزارش",
        "access_newest": "تازه‌ترین‌ها",
        "access_older": "قدیمی‌ترها",
        "access_bad_page_title": "پیوند صفحه معتبر نیست",
        "access_bad_page": "این پیوند به صفحه‌ای از گزارش اشاره نمی‌کند. "
        "از صفحهٔ نخست گزارش دوباره شروع کنید.",
        "err_access_adult": "این فرزند ۱۸ سال یا بیشتر دارد؛ گزارش او را فقط خودش می‌بیند.",
        "see_data_access": "ببینید چه کسی، چه زمانی و چرا اطلاعات شما را خوانده است",
    },
    "en": {
        "app_name": "Darvazeh",
        "tagline": "The national government service window",
        "skip": "Skip to content",
        "login_title": "Sign in to Darvazeh",
        "login_intro": "To continue, sign in with your national code and password.",
        "national_code": "National code",
        "national_code_hint": "10 digits, no dashes",
        "password": "Password",
        "sign_in": "Sign in",
        "login_invalid": "The national code or password is not correct.",
        "login_malformed": "Enter your valid 10-digit national code.",
        "login_throttled": "Too many failed attempts. Please try again in {minutes} minutes.",
        "login_rate_limited": "Too many attempts. Please try again in {seconds} seconds.",
        "login_ended_DECEASED": "This account is closed: the civil registry records the death "
        "of the holder of this national code. Their consents have been revoked too. If this "
        "record is wrong, please contact the civil registry.",
        "login_unavailable": "The civil registry cannot confirm this account right now. "
        "Please try again later.",
        "err_child_deceased": "The civil registry records this child's death; no consent can be "
        "given for them.",
        "revoked_DECEASED": "because of a death",
        "account_ended_title": "Account closed",
        "err_registry_unavailable": "The civil registry cannot be reached right now. "
        "Please try again later.",
        "signed_in_as": "National code {id}",
        "sign_out": "Sign out",
        "my_consents": "My consents",
        "consent_title": "{service} wants to read your information",
        "service": "Service",
        "agency": "Agency",
        "purpose": "Purpose",
        "datasets_legend": "Information it will read",
        "datasets_hint": "Untick anything you do not want to share.",
        "duration": "Duration",
        "duration_value": "{days} days, until {date}",
        "child_cap": "For a child, consent lasts until their 18th birthday at the latest.",
        "whose_legend": "Whose information",
        "for_myself": "Myself",
        "for_child": "My child (under 18)",
        "child_code": "Child's national code",
        "approve": "Approve",
        "deny": "Deny",
        "revocable": "You can revoke this consent at any time on the “My consents” page.",
        "err_no_datasets": "Choose at least one item of information to share, or press Deny.",
        "err_bad_datasets": "One of the chosen items is not part of this service's request.",
        "err_child_code": "Enter your child's valid 10-digit national code.",
        "err_child_self": "That is your own national code; choose “Myself”.",
        "err_no_record": "The civil registry holds no birth record for that national code.",
        "err_not_parent": "The child's birth record does not name you as their father or mother.",
        "err_adult": "This child is 18 or older and must consent for themselves.",
        "err_unavailable": "The civil registry cannot be checked right now. "
        "Please try again later.",
        "err_unknown_client": "This service is no longer active.",
        "err_invalid_national_id": "That national code is not valid.",
        "problem": "Problem",
        "request_unknown_title": "This request is not valid",
        "request_unknown": "This address does not point to a valid request. Go back to the "
        "service's site and start again.",
        "request_gone_title": "This request has expired",
        "request_gone": "This request has expired or was already used. Go back to the service's "
        "site and start again.",
        "authorize_refused_title": "Authorization request refused",
        "authorize_refused": "Return to the service you came from and try again.",
        "csrf_title": "The form has expired",
        "csrf": "Please reload the page and try again.",
        "not_found_title": "Not found",
        "not_found": "There is no such consent among yours.",
        "consents_title": "My consents",
        "consents_intro": "Services you have allowed to read your or your child's information.",
        "consents_none": "You have not given consent to any service yet.",
        "datasets": "Information",
        "for_whom": "For",
        "created": "Given",
        "expires": "Ends",
        "status": "Status",
        "uses": "Uses",
        "last_use": "Last use",
        "actions": "Action",
        "revoke": "Revoke",
        "revoke_label": "Revoke consent for {service}",
        "whom_self": "Myself",
        "whom_child": "Child: {id}",
        "never": "—",
        "status_ACTIVE": "Active",
        "status_REVOKED": "Revoked",
        "status_EXPIRED": "Expired",
        "my_data_access": "Data access log",
        "access_title": "Who has read my information",
        "access_title_child": "Who has read my child's information",
        "access_child_of": "Child's national code: {id}",
        "access_intro": "Every time a service or agency read or asked for your information "
        "through Darvazeh, it is recorded here: who, when, what, and why.",
        "access_none": "Nobody has read your information through Darvazeh yet.",
        "access_none_child": "Nobody has read this child's information through Darvazeh yet.",
        "access_when": "When",
        "access_who": "Who",
        "access_why": "Why",
        "access_outcome": "Outcome",
        "access_source_of": "From {agency}",
        "basis_consent": "Consent",
        "basis_statute": "By law",
        "basis_citizen": "You, on Darvazeh",
        "basis_none": "None",
        "basis_system": "Darvazeh's own check, by law",
        "case_label": "Case",
        "outcome_GRANTED": "Read",
        "outcome_DENIED": "Refused",
        "outcome_SOURCE_ERROR": "Failed (source error)",
        "portal": "Darvazeh portal",
        "access_child_legend": "A child's log (under 18)",
        "access_show": "Show",
        "access_back_to_mine": "Back to my own log",
        "access_pages": "Log pages",
        "access_newest": "Newest",
        "access_older": "Older",
        "access_bad_page_title": "This page link is not valid",
        "access_bad_page": "This link does not point to a page of the log. "
        "Start again from the log's first page.",
        "err_access_adult": "This child is 18 or older: only they can see their log.",
        "see_data_access": "See who has read your information, when, and why",
    },
}

STRINGS: dict[str, dict[str, str]] = words.merged(LANGUAGES, ("web.i18n", _CORE), *AREAS)

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def choose(request: Request) -> tuple[str, bool]:
    """(language, whether to remember it in the cookie): ?lang=, cookie, Accept-Language."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked, True
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return remembered, False
    header = request.headers.get("accept-language", "")
    return accept_language.negotiate(header, LANGUAGES, DEFAULT), False


def text(lang: str, key: str, **values: object) -> str:
    """The page string `key` in `lang`, with `values` put in; numbers in the reader's digits."""
    template = STRINGS[lang].get(key) or STRINGS[DEFAULT][key]
    if not values:
        return template
    shown = {
        name: digits(lang, value) if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for name, value in values.items()
    }  # fmt: skip
    return template.format(**shown)


def dataset_name(lang: str, dataset: str) -> str:
    names = DATASETS.get(dataset)
    return names[lang] if names else dataset


def digits(lang: str, value: object) -> str:
    """Numbers as the reader writes them: Persian digits in Persian."""
    shown = str(value)
    return shown.translate(_PERSIAN_DIGITS) if lang == "fa" else shown


def format_date(lang: str, day: date) -> str:
    """Solar Hijri in Persian (۱۴۰۵/۱۲/۰۸), Gregorian in English (27 February 2027)."""
    if lang == "fa":
        return digits(lang, solar_hijri.format(day))
    return babel_format_date(day, "d MMMM y", locale=_LOCALES[lang])
