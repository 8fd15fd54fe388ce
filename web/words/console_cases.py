"""The agency console's proactive cases page and its replays (web/console_cases.py,
templates/console_cases.html, console_replay.html)."""

from __future__ import annotations

WORDS = {
    "fa": {
        "console_cases": "پرونده‌های پیش‌دستانه",
        "console_cases_intro": (
            "خدماتی که دستگاه شما بی‌درخواست شهروند، از روی رویدادهای زندگی، انجام داده یا "
            "پیشنهاد کرده است؛ تازه‌ترین‌ها نخست."
        ),
        "console_all": "همه",
        "console_case": "پرونده",
        "console_case_OFFERED": "در انتظار پاسخ شهروند",
        "console_case_CONFIRMED": "تأییدشده به دست شهروند",
        "console_case_DECLINED": "نپذیرفته به دست شهروند",
        "console_case_EXECUTED": "انجام‌شده",
        "console_case_CLOSED": "بسته‌شده",
        "console_mode_CONFIRM": "با تأیید شهروند",
        "console_mode_MAY_DECLINE": "انجام، مگر شهروند نپذیرد",
        "console_mode_NOTIFY": "انجام و آگاه‌سازی",
        "console_subject": "کد ملی (پوشیده)",
        "console_dates": "تاریخ‌ها",
        "console_case_created": "ساخته",
        "console_case_answered": "پاسخ",
        "console_case_acknowledged": "دریافت دستگاه",
        "console_case_closed": "بسته",
        "console_delivery": "تحویل به وب‌هوک",
        "console_delivery_PENDING": "در صف",
        "console_delivery_DELIVERED": "تحویل شد",
        "console_delivery_DEAD": "ناکام",
        "console_delivery_none": "بی‌وب‌هوک",
        "console_cases_none": "پرونده‌ای با این ویژگی‌ها نیست.",
        "console_cases_pages": "صفحه‌های پرونده‌ها",
        "console_newest": "تازه‌ترین‌ها",
        "console_older": "پرونده‌های قدیمی‌تر",
        "console_dead_letters": "رویدادهای ناکام",
        "console_dead_letters_intro": (
            "رویدادهای زندگی که پس از همه‌ی تلاش‌ها به پرونده نرسیدند. پس از رفع علت، آن‌ها را "
            "دوباره اجرا کنید؛ پرونده‌ای دو بار ساخته نمی‌شود."
        ),
        "console_dead_letters_none": "رویداد ناکامی نیست.",
        "console_dead_pages": "صفحه‌های رویدادهای ناکام",
        "console_first_page": "از آغاز",
        "console_more": "رویدادهای بیشتر",
        "console_event": "رویداد",
        "console_attempts": "{n} بار کوشش شد",
        "console_replay": "اجرای دوباره",
        "console_replay_event_of": "رویداد {id}",
        "console_replay_delivery_of": "تحویل پرونده‌ی {id}",
        "console_replay_event_title": "اجرای دوباره‌ی رویداد ناکام",
        "console_replay_event_body": (
            "این رویداد با شمار کوشش‌های از نو، به صف برمی‌گردد و موتور خدمات پیش‌دستانه در چند "
            "لحظه دوباره آن را می‌آزماید. پرونده‌ای که پیش‌تر ساخته شده، دوباره ساخته نمی‌شود."
        ),
        "console_replay_delivery_title": "فرستادن دوباره به وب‌هوک",
        "console_replay_delivery_body": (
            "تحویل این پرونده به وب‌هوک دستگاه، با شمار کوشش‌های از نو، دوباره فرستاده می‌شود."
        ),
        "console_replay_yes": "آری، دوباره اجرا شود",
        "console_replay_no": "نه، بازگشت",
        "console_replayed_event": "رویداد {id} به صف برگشت؛ در چند لحظه دوباره آزموده می‌شود.",
        "console_replayed_delivery": "تحویل پرونده‌ی {id} دوباره در صف فرستادن است.",
        "console_bad_filter_title": "این صفحه نیست",
        "console_bad_filter": (
            "یکی از پالایه‌ها یا جای صفحه از گزینه‌های این فهرست نیست. از فهرست پرونده‌ها "
            "دوباره آغاز کنید."
        ),
    },
    "en": {
        "console_cases": "Proactive cases",
        "console_cases_intro": (
            "The services your agency carried out or offered without the citizen asking, on a "
            "life event; the newest first."
        ),
        "console_all": "All",
        "console_case": "Case",
        "console_case_OFFERED": "Waiting for the citizen",
        "console_case_CONFIRMED": "Confirmed by the citizen",
        "console_case_DECLINED": "Declined by the citizen",
        "console_case_EXECUTED": "Executed",
        "console_case_CLOSED": "Closed",
        "console_mode_CONFIRM": "The citizen confirms",
        "console_mode_MAY_DECLINE": "Done unless declined",
        "console_mode_NOTIFY": "Done, the citizen told",
        "console_subject": "National code (masked)",
        "console_dates": "Dates",
        "console_case_created": "Made",
        "console_case_answered": "Answered",
        "console_case_acknowledged": "Taken in",
        "console_case_closed": "Closed",
        "console_delivery": "Webhook delivery",
        "console_delivery_PENDING": "Pending",
        "console_delivery_DELIVERED": "Delivered",
        "console_delivery_DEAD": "Failed",
        "console_delivery_none": "No webhook",
        "console_cases_none": "No cases like these.",
        "console_cases_pages": "Pages of cases",
        "console_newest": "Newest",
        "console_older": "Older cases",
        "console_dead_letters": "Dead letters",
        "console_dead_letters_intro": (
            "Life events that made no case after every retry. Once the cause is fixed, replay "
            "them: no case is made twice."
        ),
        "console_dead_letters_none": "No dead letters.",
        "console_dead_pages": "Pages of dead letters",
        "console_first_page": "From the start",
        "console_more": "More dead letters",
        "console_event": "Life event",
        "console_attempts": "tried {n} times",
        "console_replay": "Replay",
        "console_replay_event_of": "event {id}",
        "console_replay_delivery_of": "the delivery of case {id}",
        "console_replay_event_title": "Replay a dead letter",
        "console_replay_event_body": (
            "The event goes back in the outbox with its attempts counted anew, and the proactive "
            "engine tries it again within moments. A case already made is not made again."
        ),
        "console_replay_delivery_title": "Send to the webhook again",
        "console_replay_delivery_body": (
            "The case is sent to your agency's webhook again, its attempts counted anew."
        ),
        "console_replay_yes": "Yes, replay it",
        "console_replay_no": "No, go back",
        "console_replayed_event": (
            "Life event {id} is back in the outbox; it is tried again within moments."
        ),
        "console_replayed_delivery": "The delivery of case {id} is queued to be sent again.",
        "console_bad_filter_title": "No such page",
        "console_bad_filter": (
            "A filter or the page's position is not one this list offers. Start again from the "
            "list of cases."
        ),
    },
}
