"""What each section of the Bilan document holds beyond the year's figures: sentences, tables
and charts, from BilanData (queries.py). No number is written here: each one is read."""

from __future__ import annotations

from markupsafe import Markup

from orchestration.bilan_document import charts
from orchestration.bilan_document.formatting import euros, integer, nombre, percent, plain
from orchestration.bilan_document.parts import Section, Table, sentence
from orchestration.bilan_document.queries import BilanData

LOW_USE_SCHOOLS = 10  # "peu l'ENT": the schools with the lowest appropriation rates, listed


def _value(metrics: dict, code: str) -> Markup:
    metric = metrics.get(code)
    return nombre(metric["metric_value"], metric["unit"]) if metric else nombre(None)


def context(section: Section, data: BilanData, metrics: dict) -> None:
    year, finance = data.year, data.finance
    section.paragraphs.append(
        sentence(
            "L'ENT LEIA est l'espace numérique de travail que la Collectivité de Corse met à la "
            "disposition de {} établissements de l'île : élèves, enseignants, parents et "
            "personnels. Ce bilan porte sur l'année scolaire {} ({}), du {} au {} ; les comptes "
            "y sont ceux de l'annuaire du {}.",
            _value(metrics, "schools_total"),
            year["school_year_label"],
            year["year_status_fr"],
            year["period_start_fr"],
            year["period_end_fr"],
            year["population_snapshot_fr"] or "—",
        )
    )
    if finance:
        section.paragraphs.append(
            sentence(
                "Le marché de la plateforme couvre la période du {} au {}, soit {} ans.",
                finance["contract_start_fr"],
                finance["contract_end_fr"],
                nombre(finance["contract_years"], "years"),
            )
        )
    section.paragraphs.append(
        sentence(
            "Chaque chiffre est lu dans l'entrepôt publié, qui couvre les années scolaires {}. "
            "Un tiret (—) marque une valeur que les données ne couvrent pas ou qui est masquée "
            "(trop peu de comptes).",
            ", ".join(y.replace("-", "/") for y in data.years),
        )
    )


def key_figures(section: Section, data: BilanData) -> None:
    profiles = [
        (m["label_fr"], m["metric_value"])
        for m in data.metrics
        if m["report_section"] == "bilan_chiffre"
        and m["metric_code"].startswith("accounts_")
        and m["metric_code"] != "accounts_total"
    ]
    if profiles:
        section.charts.append(
            ("Comptes par profil", charts.horizontal_bar_chart(profiles, integer, "Comptes"))
        )


def connections(section: Section, data: BilanData) -> None:
    label = data.year["school_year_label"]
    by_year = [(r["school_year_label"], r["connections"]) for r in data.connections_by_year]
    section.charts.append(
        (
            "Authentifications par année scolaire",
            charts.bar_chart(by_year, integer, "Authentifications", highlight=label),
        )
    )
    by_month = [(r["month_label"], r["connections"]) for r in data.connections_by_month]
    if by_month:
        section.charts.append(
            (
                f"Authentifications par mois, {label}, du {data.year['period_start_fr']} au "
                f"{data.year['period_end_fr']} (un mois entamé ne compte que ses jours couverts)",
                charts.line_chart(by_month, integer, "Authentifications par mois"),
            )
        )
    section.tables.append(
        Table(
            ["Année", "Période couverte", "Authentifications", "Moyenne mensuelle", "Pic mensuel"],
            [
                [
                    r["school_year_label"],
                    f"{r['period_start_fr']} – {r['period_end_fr']}",
                    nombre(r["connections"], "connections"),
                    nombre(r["monthly_average"], "connections"),
                    nombre(r["peak_month_connections"], "connections"),
                ]
                for r in data.connections_by_year
            ],
            "Authentifications de chaque année scolaire",
            {2, 3, 4},
        )
    )


def appropriation(section: Section, data: BilanData) -> None:
    label = data.year["school_year_label"]
    rates = [(r["school_year_label"], r["appropriation_rate"]) for r in data.adoption_by_year]
    section.charts.append(
        (
            "Taux d'appropriation par année scolaire (élèves, enseignants, agents)",
            charts.bar_chart(rates, percent, "Taux d'appropriation", highlight=label),
        )
    )
    categories = [(r["category_label"], r["appropriation_rate"]) for r in data.adoption_by_category]
    if categories:
        section.charts.append(
            (
                f"Taux d'appropriation par catégorie d'établissement, {label}",
                charts.horizontal_bar_chart(categories, percent, "Taux d'appropriation"),
            )
        )
    section.tables.append(
        Table(
            ["Catégorie", "Comptes ciblés", "Comptes actifs", "Taux", "Établissements"],
            [
                [
                    r["category_label"],
                    nombre(r["target_accounts"], "accounts"),
                    nombre(r["active_accounts"], "accounts"),
                    nombre(r["appropriation_rate"], "rate"),
                    nombre(r["schools_total"], "schools"),
                ]
                for r in data.adoption_by_category
            ],
            f"Appropriation par catégorie d'établissement, {label}",
            {1, 2, 3, 4},
        )
    )


def _school_row(row: dict) -> list[Markup | str]:
    return [
        row["school_name"],
        row["commune"] or "",
        row["category_label"],
        nombre(row["appropriation_rate"], "rate"),
        nombre(row["connections"], "connections"),
    ]


def non_users(section: Section, data: BilanData) -> None:
    label = data.year["school_year_label"]
    counts = [(r["school_year_label"], r["schools_not_using"]) for r in data.adoption_by_year]
    section.charts.append(
        (
            "Établissements n'utilisant pas l'ENT, par année scolaire",
            charts.bar_chart(counts, integer, "Établissements", highlight=label),
        )
    )
    headers = ["Établissement", "Commune", "Catégorie", "Taux d'appropriation", "Connexions"]
    not_using = [r for r in data.schools if not r["is_using"]]
    section.tables.append(
        Table(
            headers,
            [_school_row(r) for r in not_using],
            f"Établissements sans aucune connexion, {label} ({integer(len(not_using))})",
            {3, 4},
        )
    )
    low = [r for r in data.schools if r["is_using"] and r["appropriation_rate"] is not None]
    low.sort(key=lambda r: (r["appropriation_rate"], r["school_name"]))
    section.tables.append(
        Table(
            headers,
            [_school_row(r) for r in low[:LOW_USE_SCHOOLS]],
            f"Établissements qui utilisent peu l'ENT : les taux d'appropriation les plus bas, "
            f"{label}",
            {3, 4},
        )
    )


def tools(section: Section, data: BilanData) -> None:
    label = data.year["school_year_label"]
    accesses = [(r["service_label_fr"], r["accesses"]) for r in data.services]
    if accesses:
        section.charts.append(
            (
                f"Accès par service, {label}",
                charts.horizontal_bar_chart(accesses, integer, "Accès par service"),
            )
        )
    section.tables.append(
        Table(
            ["Rang", "Service", "Accès", "Comptes"],
            [
                [
                    nombre(r["service_rank"], "schools"),
                    r["service_label_fr"],
                    nombre(r["accesses"], "connections"),
                    nombre(r["accounts"], "accounts"),
                ]
                for r in data.services
            ],
            f"Services de l'ENT, {label}",
            {0, 2, 3},
        )
    )


def training(section: Section, data: BilanData) -> None:
    section.tables.append(
        Table(
            ["Période", "Domaine", "Statut", "Jours"],
            [
                [
                    r["training_period"].replace("-", "/"),
                    r["domain_label_fr"],
                    r["training_status_fr"],
                    nombre(r["training_days"], "days"),
                ]
                for r in data.training
            ],
            "Journées de formation des périodes de l'année scolaire",
            {3},
        )
    )
    done = [(r["domain_label_fr"], r["training_days"]) for r in data.training]
    if done:
        section.charts.append(
            ("Jours de formation par domaine", charts.horizontal_bar_chart(done, plain, "Jours"))
        )


FINANCE_ROWS = (
    ("Coût total du marché", "total_cost_eur", "eur"),
    ("Durée du marché (ans)", "contract_years", "years"),
    ("Coût par établissement et par an", "cost_per_school_per_year_eur", "eur"),
    ("Coût par élève et par an", "cost_per_pupil_per_year_eur", "eur"),
    ("Cofinancement européen", "eu_cofinancing_eur", "eur"),
    ("Part du cofinancement européen", "eu_cofinancing_share", "share"),
    ("Reste à la charge de la Collectivité", "remaining_cost_eur", "eur"),
    ("Consommation", "consumed_eur", "eur"),
    ("Taux de consommation", "consumption_rate", "share"),
    ("Budget restant", "remaining_budget_eur", "eur"),
    ("Coût par compte actif et par an (période consommée)", "cost_per_active_account_eur", "eur"),
)


def finance(section: Section, data: BilanData) -> None:
    finance = data.finance
    if not finance:
        return
    section.tables.append(
        Table(
            ["Élément", "Montant"],
            [[name, nombre(finance[key], unit)] for name, key, unit in FINANCE_ROWS],
            f"Le marché, du {finance['contract_start_fr']} au {finance['contract_end_fr']} ; "
            f"consommation du {finance['consumed_start_fr']} au {finance['consumed_end_fr']}",
            {1},
        )
    )
    amounts = [
        ("Coût total du marché", finance["total_cost_eur"]),
        ("Cofinancement européen", finance["eu_cofinancing_eur"]),
        ("Consommation", finance["consumed_eur"]),
        ("Budget restant", finance["remaining_budget_eur"]),
    ]
    section.charts.append(
        ("Le budget du marché", charts.horizontal_bar_chart(amounts, euros, "Budget"))
    )
