"""The words of the citizen's proactive services page (`/me/services`), in Persian and English."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "fa": {
        "my_services": "خدمات من",
        "services_title": "خدماتی که بی‌درخواست برای شما انجام شد",
        "services_intro": "وقتی رویدادی در زندگی شما یا فرزند زیر ۱۸ سالتان ثبت می‌شود "
        "(مانند تولد)، برخی خدمات به حکم قانون بی‌آنکه درخواست دهید انجام یا پیشنهاد می‌شوند.",
        "services_none": "هنوز خدمتی بی‌درخواست برای شما انجام یا پیشنهاد نشده است.",
        "case_about_you": "دربارهٔ شما",
        "case_about_child": "دربارهٔ فرزندتان با کد ملی {id}",
        "case_why": "چرا این پیام را می‌بینید",
        "case_created": "تاریخ",
        "case_status_OFFERED": "پیشنهاد شده",
        "case_status_CONFIRMED": "تأیید شد",
        "case_status_DECLINED": "نپذیرفتید",
        "case_status_EXECUTED": "انجام شد",
        "case_status_CLOSED": "بسته شد",
        "case_note": "توضیح (اختیاری)",
        "case_confirm": "تأیید می‌کنم",
        "case_decline": "نمی‌پذیرم",
        "case_answered": "پاسخ داده شد در {date}",
        "case_see_reads": "داده‌هایی که برای این خدمت خوانده شد در «گزارش دسترسی‌ها» آمده است.",
        "case_not_found_title": "یافت نشد",
        "case_not_found": "چنین خدمتی در میان خدمات شما نیست.",
        "case_not_answerable_title": "این پاسخ ممکن نیست",
        "case_not_answerable": "این خدمت اکنون این پاسخ را نمی‌پذیرد (پیش‌تر پاسخ داده شده، بسته "
        "شده یا فقط برای آگاهی است).",
        "case_note_too_long": "توضیح بیش از اندازه بلند است؛ حداکثر ۵۰۰ نویسه.",
    },
    "en": {
        "my_services": "My services",
        "services_title": "Services done for you without a request",
        "services_intro": "When an event in your life or your under-18 child's is registered (a "
        "birth, for example), some services are carried out or offered by law, without you "
        "applying.",
        "services_none": "No service has been carried out or offered to you without a request yet.",
        "case_about_you": "About you",
        "case_about_child": "About your child, national code {id}",
        "case_why": "Why you see this",
        "case_created": "Date",
        "case_status_OFFERED": "Offered",
        "case_status_CONFIRMED": "Confirmed",
        "case_status_DECLINED": "Declined",
        "case_status_EXECUTED": "Done",
        "case_status_CLOSED": "Closed",
        "case_note": "Note (optional)",
        "case_confirm": "Confirm",
        "case_decline": "Decline",
        "case_answered": "Answered on {date}",
        "case_see_reads": "The data read for this service is listed in your data access log.",
        "case_not_found_title": "Not found",
        "case_not_found": "There is no such service among yours.",
        "case_not_answerable_title": "This answer is not possible",
        "case_not_answerable": "This service does not take this answer now (it was answered "
        "already, closed, or is a notice only).",
        "case_note_too_long": "The note is too long: at most 500 characters.",
    },
}
