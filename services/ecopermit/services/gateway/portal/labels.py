"""The portal's words in Russian and English; the welcome is also in Kazakh."""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = ("ru", "en")
WELCOME_KK = "Кешенді экологиялық рұқсаттар порталына қош келдіңіз"

_LABELS: dict[str, dict[str, str]] = {
    "title": {
        "ru": "Комплексные экологические разрешения",
        "en": "Comprehensive environmental permits",
    },
    "welcome": {"ru": "Добро пожаловать на портал КЭР", "en": "Welcome to the KEP portal"},
    "sign_in": {"ru": "Войти", "en": "Sign in"},
    "sign_out": {"ru": "Выйти", "en": "Sign out"},
    "role": {"ru": "Роль", "en": "Role"},
    "subject": {"ru": "Пользователь", "en": "User"},
    "bin": {"ru": "БИН", "en": "BIN"},
    "token": {"ru": "Токен", "en": "Token"},
    "enterprise": {"ru": "Предприятие", "en": "Enterprise"},
    "register": {"ru": "Зарегистрировать", "en": "Register"},
    "name": {"ru": "Наименование", "en": "Name"},
    "region": {"ru": "Регион", "en": "Region"},
    "sector": {"ru": "Отрасль", "en": "Sector"},
    "applications": {"ru": "Заявления", "en": "Applications"},
    "new_application": {"ru": "Новое заявление", "en": "New application"},
    "facility": {"ru": "Объект", "en": "Facility"},
    "address": {"ru": "Адрес", "en": "Address"},
    "thermal_input": {"ru": "Тепловая мощность, МВт", "en": "Rated thermal input, MW"},
    "sources": {"ru": "Источники выбросов", "en": "Emission sources"},
    "source_id": {"ru": "Источник", "en": "Source"},
    "source_type": {"ru": "Тип источника", "en": "Source type"},
    "pollutant": {"ru": "Вещество", "en": "Pollutant"},
    "concentration": {"ru": "Концентрация, мг/нм³", "en": "Concentration, mg/Nm³"},
    "oxygen": {"ru": "O₂, %", "en": "O₂, %"},
    "tonnes": {"ru": "т/год", "en": "t/year"},
    "documents": {"ru": "Документы", "en": "Documents"},
    "submit": {"ru": "Подать", "en": "Submit"},
    "stage": {"ru": "Этап", "en": "Stage"},
    "history": {"ru": "История", "en": "History"},
    "open_tasks": {"ru": "Открытые задачи", "en": "Open tasks"},
    "deadline": {"ru": "Срок", "en": "Deadline"},
    "predicted_decision": {"ru": "Ожидаемое решение", "en": "Expected decision"},
    "withdraw": {"ru": "Отозвать", "en": "Withdraw"},
    "amend": {"ru": "Ответить на возврат", "en": "Answer the return"},
    "resubmit": {
        "ru": "Подать повторно: заявление не принято к рассмотрению",
        "en": "Resubmit: the application was not accepted for review",
    },
    "answer_remarks": {
        "ru": "Ответить на замечания или проект разрешения",
        "en": "Answer the remarks or the draft permit",
    },
    "disagree": {
        "ru": "Не согласен с замечаниями (ст. 115 п. 6 ЭК)",
        "en": "I disagree with the remarks (EC Art. 115(6))",
    },
    "object": {
        "ru": "Возразить против предварительного решения об отказе",
        "en": "Object to the preliminary refusal",
    },
    "asked_of_you": {"ru": "От вас ожидается", "en": "What is asked of you"},
    "interim_limit": {
        "ru": "Промежуточный норматив (ППЭЭ) → дата",
        "en": "Interim limit (efficiency programme) → until",
    },
    "limit_basis": {"ru": "Основание", "en": "Basis"},
    "daily": {"ru": "суточное", "en": "daily"},
    "yearly": {"ru": "Годовое", "en": "Yearly"},
    "benchmark_only": {
        "ru": "НДТ ЕС: ориентир, не норма РК",
        "en": "EU BAT: benchmark, not law here",
    },
    "kz_bat": {"ru": "Заключение по НДТ РК", "en": "Kazakh BAT conclusion"},
    "eu_benchmark": {
        "ru": "НДТ ЕС, мг/нм³ (ориентир, не норма РК)",
        "en": "EU BAT-AEL, mg/Nm³ (benchmark, not law here)",
    },
    "reason": {"ru": "Причина", "en": "Reason"},
    "permit": {"ru": "Разрешение", "en": "Permit"},
    "download": {"ru": "Скачать", "en": "Download"},
    "inbox": {"ru": "Входящие", "en": "Inbox"},
    "claim": {"ru": "Взять в работу", "en": "Claim"},
    "complete": {"ru": "Завершить", "en": "Complete"},
    "dossier": {"ru": "Документы заявления", "en": "The dossier"},
    "document_kind": {"ru": "Вид", "en": "Kind"},
    "file_name": {"ru": "Файл", "en": "File"},
    "version": {"ru": "Версия", "en": "Version"},
    "size": {"ru": "Размер, байт", "en": "Size, bytes"},
    "open": {"ru": "Открыть", "en": "Open"},
    "no_documents": {"ru": "Документов нет.", "en": "No documents."},
    "sign_title": {"ru": "Подписать ЭЦП", "en": "Sign with your ЭЦП"},
    "sign_purpose_submission": {
        "ru": "Вы подписываете заявление с указанными документами (по их SHA-256).",
        "en": "You are signing the application with its documents (by their SHA-256).",
    },
    "sign_purpose_answer": {
        "ru": "Вы подписываете ответ предприятия и добавленные документы.",
        "en": "You are signing the enterprise's answer and the documents it adds.",
    },
    "sign_purpose_decision": {
        "ru": "Вы подписываете решение по разрешению.",
        "en": "You are signing the decision on the permit.",
    },
    "sign_digest": {"ru": "SHA-256 подписываемого", "en": "SHA-256 of what you sign"},
    "sign_statement": {"ru": "Подписываемый текст", "en": "The statement signed"},
    "sign_ncalayer": {"ru": "Подписать в NCALayer", "en": "Sign in NCALayer"},
    "sign_cms": {
        "ru": "или загрузите открепленную подпись (.cms)",
        "en": "or upload a detached signature (.cms)",
    },
    "sign_send": {"ru": "Отправить подписанное", "en": "Send signed"},
    "sign_local": {
        "ru": "Подписать тестовым ключом (только встроенный стенд)",
        "en": "Sign with the local test key (embedded stack only)",
    },
    "sign_signature_needed": {
        "ru": "Нужна подпись: NCALayer или файл .cms.",
        "en": "A signature is needed: NCALayer or a .cms file.",
    },
    "outcome": {"ru": "Результат", "en": "Outcome"},
    "comments": {"ru": "Комментарии", "en": "Comments"},
    "due": {"ru": "Срок", "en": "Due"},
    "overdue": {"ru": "просрочено", "en": "overdue"},
    "bat_assessment": {"ru": "Оценка НДТ", "en": "BAT assessment"},
    "public_comments": {
        "ru": "Общественные слушания: вопросы и замечания",
        "en": "Public hearings: questions and comments",
    },
    "hearing_protocol": {
        "ru": "Протокол общественных слушаний",
        "en": "Public hearing protocol",
    },
    "not_answered_yet": {"ru": "ответ ещё не дан", "en": "not answered yet"},
    "no_questions": {"ru": "Вопросов не поступало", "en": "No questions were asked"},
    "inspections": {"ru": "Проверки", "en": "Inspections"},
    "ops": {"ru": "Мониторинг", "en": "Operations"},
    "error": {"ru": "Ошибка", "en": "Error"},
    "certificate": {"ru": "Свидетельство (PDF, ЭЦП)", "en": "Certificate (PDF, e-signed)"},
    "verify_certificate": {"ru": "Проверить подлинность", "en": "Verify authenticity"},
    "certificate_valid": {
        "ru": "Подлинное: подписано Комитетом и не изменялось после подписания",
        "en": "Authentic: signed by the Committee and unchanged since",
    },
    "certificate_invalid": {"ru": "Не подтверждено", "en": "Not confirmed"},
    "checked_register_copy": {
        "ru": "Проверен экземпляр, хранящийся в реестре.",
        "en": "The register's own copy was checked.",
    },
    "checked_your_file": {"ru": "Проверен ваш файл.", "en": "Your file was checked."},
    "check_a_file": {
        "ru": "Проверить имеющийся у вас файл свидетельства",
        "en": "Check a certificate file you hold",
    },
    "check": {"ru": "Проверить", "en": "Check"},
    "signer": {"ru": "Подписант", "en": "Signer"},
    "other_permit": {
        "ru": "Этот файл — свидетельство другого разрешения:",
        "en": "This file is the certificate of another permit:",
    },
    "file_names_permit": {
        "ru": "Файл называет себя свидетельством разрешения (сравните с записью реестра):",
        "en": "The file claims to be the certificate of (compare with the register's entry):",
    },
    "no_certificate": {
        "ru": "Разрешение выдано без подписанного свидетельства.",
        "en": "The permit was issued without a signed certificate.",
    },
    "refusal_grounds": {
        "ru": "Основания отказа (ст. 117 п. 2 ЭК)",
        "en": "Refusal grounds (EC Art. 117(2))",
    },
}


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    accepted = request.headers.get("accept-language", "")
    return "en" if accepted.startswith("en") else "ru"


def labels(lang: str) -> dict[str, str]:
    return {key: words[lang] for key, words in _LABELS.items()}
