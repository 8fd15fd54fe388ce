"""The developer page's words (/developers): getting a token, the schema reference, GraphiQL's
token helper."""

from __future__ import annotations

WORDS = {
    "fa": {
        "dev_title": "برای توسعه‌دهندگان",
        "dev_nav": "توسعه‌دهندگان",
        "dev_intro": "دروازه یک API از نوع GraphQL در نشانی {url} است. هر درخواست یک توکن دسترسی "
        "می‌خواهد؛ خدمت‌هایی که به حکم قانون می‌خوانند، شمارهٔ پرونده را هم در سرآیند "
        "Darvazeh-Case-Reference می‌فرستند.",
        "dev_token_title": "گرفتن توکن",
        "dev_token_statute": "خدمتی که مبنای قانونی دارد: با شناسه و رمز کارخواه خود از نقطهٔ "
        "توکن، توکن بگیرد (client credentials).",
        "dev_token_consent": "خدمتی که رضایت شهروند را می‌خواهد: شهروند را به صفحهٔ رضایت بفرستد "
        "(authorization code با PKCE) و کد را با توکن عوض کند.",
        "dev_token_register": "شناسه و رمز کارخواه را مدیر دستگاه شما ثبت می‌کند "
        "(darvazeh-agency clients register).",
        "dev_endpoints": "نشانی‌ها",
        "dev_endpoint_graphql": "API",
        "dev_endpoint_token": "نقطهٔ توکن",
        "dev_endpoint_metadata": "فرادادهٔ سرور مجوز",
        "dev_endpoint_sdl": "شِمای کامل (SDL)",
        "dev_helper_title": "توکن برای GraphiQL",
        "dev_helper_intro": "توکن فقط در همین زبانهٔ مرورگر (sessionStorage) نگه داشته می‌شود و "
        "با بستن زبانه پاک می‌شود. GraphiQL آن را با هر درخواست می‌فرستد.",
        "dev_demo_intro": "این دروازه دنیای نمایشی را اجرا می‌کند: یک توکن برای کارخواه "
        "نمایشی «{client}» بگیرید.",
        "dev_demo_button": "گرفتن توکن نمایشی",
        "dev_demo_issued": "توکن نمایشی برای {client} صادر شد؛ تا {seconds} ثانیه معتبر است.",
        "dev_demo_failed": "گرفتن توکن نمایشی ممکن نشد.",
        "dev_paste_label": "توکن دسترسی",
        "dev_paste_hint": "توکنی را که کارخواه شما گرفته است اینجا بچسبانید.",
        "dev_case_label": "شمارهٔ پرونده (برای خواندن به حکم قانون)",
        "dev_keep": "نگه داشتن در این زبانه",
        "dev_forget": "پاک کردن توکن",
        "dev_kept": "یک توکن در این زبانه نگه داشته شده است.",
        "dev_forgotten": "توکنی نگه داشته نشده است.",
        "dev_no_script": "بدون جاوااسکریپت: توکن را در بخش Headers در GraphiQL بنویسید.",
        "dev_open_graphiql": "باز کردن GraphiQL",
        "dev_graphiql_off": "GraphiQL در این استقرار خاموش است (GATEWAY_GRAPHIQL).",
        "dev_schema_title": "مستندات شِما",
        "dev_schema_intro": "هر نوع، فیلد و آرگومان با توضیحش، از همان شِمایی که API پاسخ می‌دهد.",
        "dev_schema_types": "نوع‌ها",
        "dev_kind_OBJECT": "نوع",
        "dev_kind_INPUT_OBJECT": "ورودی",
        "dev_kind_ENUM": "شمارشی",
        "dev_kind_SCALAR": "مقدار پایه",
        "dev_kind_INTERFACE": "رابط",
        "dev_kind_UNION": "اجتماع",
        "dev_field": "فیلد",
        "dev_type": "نوع",
        "dev_description": "توضیح",
        "dev_arguments": "آرگومان‌ها",
        "dev_value": "مقدار",
    },
    "en": {
        "dev_title": "For developers",
        "dev_nav": "Developers",
        "dev_intro": "Darvazeh is a GraphQL API at {url}. Every request carries an access token; "
        "services that read under a statute also name their case in the "
        "Darvazeh-Case-Reference header.",
        "dev_token_title": "Getting a token",
        "dev_token_statute": "A service with a legal basis in law: get a token from the token "
        "endpoint with its client id and secret (client credentials).",
        "dev_token_consent": "A service that needs the citizen's consent: send the citizen to the "
        "consent screen (authorization code with PKCE) and exchange the code for a token.",
        "dev_token_register": "Your agency's administrator registers the client and gives you "
        "its id and secret (darvazeh-agency clients register).",
        "dev_endpoints": "Endpoints",
        "dev_endpoint_graphql": "API",
        "dev_endpoint_token": "Token endpoint",
        "dev_endpoint_metadata": "Authorization server metadata",
        "dev_endpoint_sdl": "The whole schema (SDL)",
        "dev_helper_title": "A token for GraphiQL",
        "dev_helper_intro": "The token is kept only in this browser tab (sessionStorage) and is "
        "gone when the tab closes. GraphiQL sends it with every request.",
        "dev_demo_intro": "This gateway serves the demo world: get a token for the demo client "
        "“{client}”.",
        "dev_demo_button": "Get a demo token",
        "dev_demo_issued": "A demo token for {client} was issued; it is valid for {seconds} s.",
        "dev_demo_failed": "The demo token could not be issued.",
        "dev_paste_label": "Access token",
        "dev_paste_hint": "Paste the token your client obtained.",
        "dev_case_label": "Case reference (for statutory reads)",
        "dev_keep": "Keep in this tab",
        "dev_forget": "Forget the token",
        "dev_kept": "A token is kept in this tab.",
        "dev_forgotten": "No token is kept.",
        "dev_no_script": "Without JavaScript: put the token in GraphiQL's Headers pane.",
        "dev_open_graphiql": "Open GraphiQL",
        "dev_graphiql_off": "GraphiQL is off in this deployment (GATEWAY_GRAPHIQL).",
        "dev_schema_title": "Schema documentation",
        "dev_schema_intro": "Every type, field and argument with its description, from the "
        "schema the API answers with.",
        "dev_schema_types": "Types",
        "dev_kind_OBJECT": "type",
        "dev_kind_INPUT_OBJECT": "input",
        "dev_kind_ENUM": "enum",
        "dev_kind_SCALAR": "scalar",
        "dev_kind_INTERFACE": "interface",
        "dev_kind_UNION": "union",
        "dev_field": "Field",
        "dev_type": "Type",
        "dev_description": "Description",
        "dev_arguments": "Arguments",
        "dev_value": "Value",
    },
}
