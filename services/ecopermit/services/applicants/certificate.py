"""The permit certificate as a PDF in Kazakh and Russian: what the permit allows (limits per
source and pollutant, with reference O2 and averaging, interim limits and the efficiency
programme's milestones), its conditions, the decision and its date, and a QR code that opens
the public verification page. Fonts are embedded (DejaVu Sans: every Kazakh letter), so the
text reads the same on any reader; the PDF is then signed as PAdES (runtime.esign.pades)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.domain.business_calendar import KAZAKHSTAN
from ecopermit.type.v1 import kazakhstan_pb2 as kz

# Debian's fonts-dejavu-core (installed by .ci/run and the container image).
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_REGULAR, _BOLD = "DejaVuSans", "DejaVuSans-Bold"

# Pollutants as the permit names them (Russian and Kazakh use the same chemical notation).
_POLLUTANT_NAMES = {
    kz.POLLUTANT_NOX: "NOx (NO₂)",
    kz.POLLUTANT_SO2: "SO₂",
    kz.POLLUTANT_DUST: "Пыль / Шаң",
    kz.POLLUTANT_CO: "CO",
    kz.POLLUTANT_HCL: "HCl",
    kz.POLLUTANT_HF: "HF",
    kz.POLLUTANT_HG: "Hg",
    kz.POLLUTANT_PCDD_F: "ПХДД/Ф",
}


@dataclass(frozen=True)
class CertificateFacts:
    """What the certificate states beside the permit itself: names the permit holds by
    reference, and the address of the public page that verifies it."""

    permit: pb.Permit
    enterprise_name: str
    enterprise_bin: str
    facility_name: str
    facility_address: str
    decision_maker: str
    verification_url: str


def _register_fonts(font_dir: Path) -> None:
    if _REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_REGULAR, str(font_dir / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(_BOLD, str(font_dir / "DejaVuSans-Bold.ttf")))


def _style(size: float, *, bold: bool = False) -> ParagraphStyle:
    return ParagraphStyle(
        f"s{size}{bold}", fontName=_BOLD if bold else _REGULAR, fontSize=size, leading=size * 1.3
    )


def _text(value: str) -> str:
    """A name or text from the application, as Paragraph markup shows it literally: "ТОО
    «A & B»" must not be read as markup, nor break the certificate."""
    return escape(value)


def _both(kazakh: str, russian: str) -> str:
    """A label in the state language first, then in Russian."""
    return f"{kazakh} / {russian}"


def _number(value: float) -> str:
    """Every digit the permit holds, never rounded or in exponent form (a legal figure), with
    a decimal comma."""
    return format(Decimal(repr(value)).normalize(), "f").replace(".", ",")


def _date(value: object) -> str:
    year, month, day = (getattr(value, part) for part in ("year", "month", "day"))
    return f"{day:02d}.{month:02d}.{year}"


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    return drawing


def _limits_table(limits: Sequence[pb.EmissionLimit], cell: ParagraphStyle) -> Table:
    header = [
        _both("Көз", "Источник"),
        _both("Ластаушы зат", "Загрязняющее вещество"),
        _both("Норматив, мг/нм³", "Норматив, мг/нм³"),
        _both("O₂ базалық, %", "O₂ базисный, %"),
        _both("Орташалау", "Усреднение"),
        _both("Аралық норматив, мг/нм³ (мерзімі)", "Временный норматив, мг/нм³ (до)"),
        _both("т/жыл", "т/год"),
    ]
    rows: list[list[Flowable | str]] = [[Paragraph(h, cell) for h in header]]
    for limit in limits:
        averaging = (
            _both("жылдық", "среднегодовое")
            + f"; {_both('тәуліктік', 'среднесуточное')}: {_number(limit.daily_limit_mg_nm3)}"
            if limit.daily_limit_mg_nm3
            else _both("ЕҚТ қорытындысы бойынша", "по заключению НДТ")
        )
        interim = (
            f"{_number(limit.interim_limit_mg_nm3)} ({_date(limit.step_down_date)})"
            if limit.interim_limit_mg_nm3
            else "—"
        )
        values = [
            _text(limit.source_id),
            _POLLUTANT_NAMES.get(limit.pollutant, kz.Pollutant.Name(limit.pollutant)),
            _number(limit.limit_mg_nm3),
            _number(limit.reference_oxygen_percent),
            averaging,
            interim,
            _number(limit.annual_tonnes),
        ]
        rows.append([Paragraph(v, cell) for v in values])
    table = Table(
        rows,
        repeatRows=1,
        # 176 mm across; the tonnes column holds a seven-digit figure with decimals on one line.
        colWidths=[18 * mm, 28 * mm, 22 * mm, 20 * mm, 34 * mm, 32 * mm, 22 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.93, 0.9)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render_certificate(facts: CertificateFacts, font_dir: Path = FONT_DIR) -> bytes:
    """The certificate's PDF bytes, unsigned."""
    _register_fonts(font_dir)
    permit = facts.permit
    title, heading, body, cell = (
        _style(15, bold=True),
        _style(11, bold=True),
        _style(9.5),
        _style(7.5),
    )
    # Dates as the Committee's own calendar has them (Astana time).
    issued = permit.issue_time.ToDatetime(tzinfo=dt.UTC).astimezone(KAZAKHSTAN)
    output = io.BytesIO()
    document = SimpleDocTemplate(
        output,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=permit.permit_number,
        author=_both(
            "Экологиялық реттеу және бақылау комитеті",
            "Комитет экологического регулирования и контроля",
        ),
        subject=_both("Кешенді экологиялық рұқсат", "Комплексное экологическое разрешение"),
    )
    story: list[Flowable] = [
        Paragraph("КЕШЕНДІ ЭКОЛОГИЯЛЫҚ РҰҚСАТ", title),
        Paragraph("КОМПЛЕКСНОЕ ЭКОЛОГИЧЕСКОЕ РАЗРЕШЕНИЕ", title),
        Spacer(1, 3 * mm),
        Paragraph(
            f"{_both('Рұқсат нөмірі', 'Номер разрешения')}: <b>{permit.permit_number}</b>", body
        ),
        Paragraph(f"{_both('Берілген күні', 'Дата выдачи')}: {issued:%d.%m.%Y}", body),
        Paragraph(
            f"{_both('Кәсіпорын', 'Предприятие')}: {_text(facts.enterprise_name)} "
            f"({_both('БСН', 'БИН')} {facts.enterprise_bin})",
            body,
        ),
        Paragraph(
            f"{_both('Объект', 'Объект')}: {_text(facts.facility_name)}, "
            f"{_text(facts.facility_address)}",
            body,
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            _both(
                "Ластаушы заттар шығарындыларының нормативтері",
                "Нормативы выбросов загрязняющих веществ",
            ),
            heading,
        ),
        _limits_table(permit.emission_limits, cell),
    ]
    if permit.efficiency_programme:
        story += [
            Spacer(1, 3 * mm),
            Paragraph(
                _both(
                    "Экологиялық тиімділікті арттыру бағдарламасы",
                    "Программа повышения экологической эффективности",
                ),
                heading,
            ),
        ]
        story += [
            Paragraph(
                f"{_date(m.due_date)} — {_text(m.source_id)} "
                f"{_POLLUTANT_NAMES.get(m.pollutant, '')}: {_text(m.description)}",
                body,
            )
            for m in permit.efficiency_programme
        ]
    if permit.conditions:
        story += [Spacer(1, 3 * mm), Paragraph(_both("Шарттар", "Условия"), heading)]
        story += [
            Paragraph(f"{n}. {_text(c)}", body) for n, c in enumerate(permit.conditions, start=1)
        ]
    story += [
        Spacer(1, 4 * mm),
        Paragraph(_both("Шешім", "Решение"), heading),
        Paragraph(
            f"{_both('Рұқсат беру туралы шешім', 'Решение о выдаче разрешения')} "
            f"{issued:%d.%m.%Y}; {_both('қол қойған', 'подписал')}: {_text(facts.decision_maker)}. "
            + _both(
                "Құжат электрондық цифрлық қолтаңбамен қол қойылған.",
                "Документ подписан электронной цифровой подписью.",
            ),
            body,
        ),
        Spacer(1, 4 * mm),
        Table(
            [
                [
                    _qr(facts.verification_url, 32 * mm),
                    Paragraph(
                        _both("Түпнұсқалығын тексеру", "Проверка подлинности")
                        + f":<br/>{_text(facts.verification_url)}",
                        body,
                    ),
                ]
            ],
            colWidths=[36 * mm, 140 * mm],
            style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")],
        ),
    ]
    document.build(story)
    return output.getvalue()
