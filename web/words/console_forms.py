"""The agency console's forms for a new service card and a new service client
(web/console_registration.py, templates/console_card_new.html, console_client_new.html)."""

from __future__ import annotations

WORDS = {
    "fa": {
        "console_card_new": "ثبت شناسنامه‌ی خدمت تازه",
        "console_card_new_intro": (
            "همان بررسی‌های API و خط فرمان انجام می‌شود؛ اگر ایرادی باشد، هر یک کنار خانه‌ی خود "
            "می‌آید و چیزی ذخیره نمی‌شود."
        ),
        "console_card_id": "شناسه‌ی شناسنامه",
        "console_card_id_hint": "حروف کوچک لاتین، رقم و خط تیره؛ مانند passport-renew",
        "console_name_fa": "نام خدمت به فارسی",
        "console_name_en": "نام خدمت به انگلیسی",
        "console_purpose_fa": "هدف به فارسی (به شهروند نشان داده می‌شود)",
        "console_purpose_en": "هدف به انگلیسی",
        "console_report_scope": "گزارش رویدادهای زندگی دستگاه به درگاه",
        "console_statute": "قانون",
        "console_statute_hint": "تنها برای مبنای قانونی «به حکم قانون»؛ نام قانون و ماده.",
        "console_proactive": "خدمت پیش‌دستانه",
        "console_proactive_yes": "بی‌درخواست شهروند، از روی یک رویداد زندگی انجام می‌شود",
        "console_life_event": "رویداد زندگی",
        "console_proactive_mode": "از شهروند چه خواسته می‌شود",
        "console_reference_date": "تاریخ مبنای سن (ماه-روز)",
        "console_reference_date_hint": (
            "تنها برای رویدادهای رسیدن به سن؛ به تقویم خورشیدی، مانند 07-01 برای یکم مهر."
        ),
        "console_client_new": "ثبت کارخواه تازه",
        "console_client_new_intro": (
            "کارخواه OAuth یک خدمت؛ تنها داده‌های شناسنامه‌ی خدمتش را می‌خواند. رمز آن تنها یک "
            "بار، پس از ثبت، نشان داده می‌شود."
        ),
        "console_client_no_cards": "دستگاه شما شناسنامه‌ی خدمت فعالی ندارد؛ نخست یکی ثبت کنید.",
        "console_client_name": "نام کارخواه",
        "console_client_id": "شناسه‌ی کارخواه (دلخواه)",
        "console_client_id_hint": "اگر خالی بماند، ساخته می‌شود.",
        "console_grant_types": "گونه‌های مجوز",
        "console_grant_types_hint": (
            "خدمت «به حکم قانون»: client_credentials؛ خدمت «با رضایت شهروند»: "
            "authorization_code (و refresh_token)."
        ),
        "console_redirect_uris": "نشانی‌های بازگشت",
        "console_redirect_uris_hint": "هر نشانی در یک سطر؛ https، یا http تنها روی خود دستگاه.",
        "console_scopes": "داده‌ها",
        "console_scopes_hint": "اگر هیچ‌یک را برنگزینید، همه‌ی داده‌های شناسنامه‌ی خدمت.",
        "console_auth_method": "روش شناساندن کارخواه",
        "console_jwks": "کلیدهای عمومی (JWKS)",
        "console_jwks_hint": "تنها برای private_key_jwt؛ یک JWK Set به صورت JSON.",
        "console_client_security": "امنیت",
        "console_require_par": "درخواست‌های مجوز تنها از راه PAR",
        "console_require_dpop": "توکن‌ها تنها با DPoP",
        "console_client_limits": "سقف‌ها",
        "console_client_limits_hint": "اگر خالی بمانند، پیش‌فرض درگاه به کار می‌رود.",
        "console_graphql_rate_limit": "درخواست به GraphQL در هر بازه",
        "console_oauth_rate_limit": "درخواست به نقطه‌های OAuth در هر بازه",
        "console_query_cost_budget": "بودجه‌ی هزینه‌ی هر پرسش",
        "console_client_registered": "کارخواه تازه و رمز آن",
        "console_secret_new": (
            "کارخواه ثبت شد. این رمز تنها همین یک بار نمایش داده می‌شود و جایی نگه داشته "
            "نمی‌شود؛ اکنون آن را در جای امنی بگذارید."
        ),
    },
    "en": {
        "console_card_new": "Register a service card",
        "console_card_new_intro": (
            "The same checks as the API and the command line: if anything is wrong, each problem "
            "is shown beside its field and nothing is stored."
        ),
        "console_card_id": "Card id",
        "console_card_id_hint": "Lower-case letters, digits and hyphens, e.g. passport-renew",
        "console_name_fa": "Service name in Persian",
        "console_name_en": "Service name in English",
        "console_purpose_fa": "Purpose in Persian (shown to citizens)",
        "console_purpose_en": "Purpose in English",
        "console_report_scope": "Reporting the agency's life events to the gateway",
        "console_statute": "Statute",
        "console_statute_hint": "Only for a statutory legal basis: the act and its article.",
        "console_proactive": "Proactive service",
        "console_proactive_yes": "Runs without the citizen asking, on a life event",
        "console_life_event": "Life event",
        "console_proactive_mode": "What the citizen is asked",
        "console_reference_date": "Age reference date (month-day)",
        "console_reference_date_hint": ("Only for age events; Solar Hijri, e.g. 07-01 for 1 Mehr."),
        "console_client_new": "Register a service client",
        "console_client_new_intro": (
            "A service's OAuth client; it reads only its card's datasets. Its secret is shown "
            "once, right after registering."
        ),
        "console_client_no_cards": "Your agency has no enabled service card: register one first.",
        "console_client_name": "Client name",
        "console_client_id": "Client id (optional)",
        "console_client_id_hint": "Made up for you when left empty.",
        "console_grant_types": "Grant types",
        "console_grant_types_hint": (
            "A statutory card: client_credentials; a consent-based card: authorization_code "
            "(and refresh_token)."
        ),
        "console_redirect_uris": "Redirect URIs",
        "console_redirect_uris_hint": "One a line; https, or http on loopback only.",
        "console_scopes": "Datasets",
        "console_scopes_hint": "None ticked: all of the card's datasets.",
        "console_auth_method": "How the client proves itself",
        "console_jwks": "Public keys (JWKS)",
        "console_jwks_hint": "Only for private_key_jwt: a JWK Set as JSON.",
        "console_client_security": "Security",
        "console_require_par": "Authorization requests through PAR only",
        "console_require_dpop": "DPoP-bound tokens only",
        "console_client_limits": "Limits",
        "console_client_limits_hint": "Left empty: the gateway's defaults.",
        "console_graphql_rate_limit": "GraphQL requests per window",
        "console_oauth_rate_limit": "OAuth endpoint requests per window",
        "console_query_cost_budget": "Query cost budget",
        "console_client_registered": "The new client and its secret",
        "console_secret_new": (
            "The client is registered. This secret is shown this once and kept nowhere: store "
            "it safely now."
        ),
    },
}
