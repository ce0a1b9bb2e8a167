"""The book of business: customers, beneficial owners, products, policies, transactions.

Fields follow ``docs/interchange.md`` (the integrators' CSV/JSON formats) plus what the model
needs. Invariants that one row can check are database constraints, so no write path, bulk
or not, can store a broken row. Cross-row rules (an insured's age fits the product, an
owner is an organisation) are checked by the import and write services.

Resident ID numbers and phone numbers are stored encrypted (``*_ciphertext``), with a keyed
blind index (``*_digest``) for exact lookup and a precomputed mask (``*_masked``) so lists
never decrypt anything (insurer/crypto.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 18, "decimal_places": 2}


class Customer(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("Resident ID card")
        PASSPORT = "passport", _("Passport")
        USCC = "uscc", _("Unified social credit code")
        OTHER = "other", _("Other")

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class RiskRating(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    customer_ref = models.CharField(_("customer ref"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    id_type = models.CharField(_("ID type"), max_length=12, choices=IdType.choices)
    id_number_ciphertext = models.TextField(_("ID number (encrypted)"))
    id_number_digest = models.CharField(_("ID number blind index"), max_length=40)
    id_number_masked = models.CharField(_("ID number"), max_length=40)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone_ciphertext = models.TextField(_("phone (encrypted)"), blank=True)
    phone_digest = models.CharField(_("phone blind index"), max_length=40, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=24, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    nationality = models.CharField(_("nationality"), max_length=2, default="CN")
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    annual_income = models.DecimalField(_("annual income"), null=True, blank=True, **MONEY)
    risk_rating = models.CharField(_("risk rating"), max_length=6, choices=RiskRating.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("view_customer_pii", _("Can see unmasked ID and phone numbers")),
            ("view_book_summary", _("Can see book-of-business dashboard figures")),
            ("import_book", _("Can import the book of business")),
            ("export_book", _("Can export book-of-business tables")),
        ]
        constraints = [
            models.CheckConstraint(
                name="customer_person_has_birth_date_and_sex",
                condition=Q(kind="organisation") | (Q(birth_date__isnull=False) & Q(sex__in=["M", "F"])),
            ),
            models.CheckConstraint(
                name="customer_organisation_has_no_sex",
                condition=Q(kind="person") | Q(sex=""),
            ),
            models.CheckConstraint(
                name="customer_id_type_fits_kind",
                condition=(Q(kind="person") & ~Q(id_type="uscc"))
                | (Q(kind="organisation") & Q(id_type__in=["uscc", "other"])),
            ),
            models.CheckConstraint(
                name="customer_income_not_negative",
                condition=Q(annual_income__isnull=True) | Q(annual_income__gte=0),
            ),
            models.CheckConstraint(name="customer_kind_valid", condition=Q(kind__in=["person", "organisation"])),
            # One customer per identity document: the blind index makes this checkable.
            models.UniqueConstraint(fields=["id_type", "id_number_digest"], name="customer_unique_identity"),
        ]
        indexes = [
            # Lists sort by name and filter by kind/rating.
            models.Index(fields=["name"], name="customer_name_idx"),
            models.Index(fields=["kind", "risk_rating"], name="customer_kind_rating_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_ref} {self.name}"


class BeneficialOwner(models.Model):
    organisation = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="owners", verbose_name=_("organisation")
    )
    owner = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="holdings", verbose_name=_("owner"))
    share_pct = models.DecimalField(_("share %"), max_digits=7, decimal_places=4)
    control = models.BooleanField(_("control"), default=False)

    class Meta:
        verbose_name = _("beneficial owner")
        verbose_name_plural = _("beneficial owners")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "owner"], name="beneficial_owner_unique_pair"),
            models.CheckConstraint(name="beneficial_owner_not_self", condition=~Q(organisation=F("owner"))),
            models.CheckConstraint(
                name="beneficial_owner_share_0_100", condition=Q(share_pct__gte=0) & Q(share_pct__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} → {self.organisation_id} {self.share_pct}%"


class Product(models.Model):
    class Kind(models.TextChoices):
        TERM = "term", _("Term life")
        WHOLE_LIFE = "whole_life", _("Whole life")
        ENDOWMENT = "endowment", _("Endowment")
        CRITICAL_ILLNESS = "critical_illness", _("Critical illness")
        MEDICAL = "medical", _("Medical")
        ANNUITY = "annuity", _("Annuity")
        UNIVERSAL_LIFE = "universal_life", _("Universal life")
        INVESTMENT_LINKED = "investment_linked", _("Investment-linked")

    product_code = models.CharField(_("product code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    mortality_table = models.CharField(_("mortality table"), max_length=20)
    min_age = models.PositiveSmallIntegerField(_("minimum entry age"))
    max_age = models.PositiveSmallIntegerField(_("maximum entry age"))
    cooling_off_days = models.PositiveSmallIntegerField(_("cooling-off days"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["product_code"]
        constraints = [
            models.CheckConstraint(
                name="product_age_range", condition=Q(min_age__lte=F("max_age")) & Q(max_age__lte=105)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_code} {self.name}"


class Policy(models.Model):
    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        LAPSED = "lapsed", _("Lapsed")
        SURRENDERED = "surrendered", _("Surrendered")
        MATURED = "matured", _("Matured")
        CLAIMED = "claimed", _("Claimed")
        CANCELLED = "cancelled", _("Cancelled")

    class Frequency(models.TextChoices):
        SINGLE = "single", _("Single premium")
        ANNUAL = "annual", _("Annual")
        SEMIANNUAL = "semiannual", _("Semi-annual")
        QUARTERLY = "quarterly", _("Quarterly")
        MONTHLY = "monthly", _("Monthly")

    class Channel(models.TextChoices):
        AGENCY = "agency", _("Agency")
        BANCASSURANCE = "bancassurance", _("Bancassurance")
        TELEPHONE = "telephone", _("Telephone")
        ONLINE = "online", _("Online")
        BROKER = "broker", _("Broker")

    policy_ref = models.CharField(_("policy ref"), max_length=40, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="policies", verbose_name=_("product"))
    policyholder = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="policies_held", verbose_name=_("policyholder")
    )
    insured = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="policies_insured", verbose_name=_("insured")
    )
    beneficiaries = models.ManyToManyField(
        Customer, through="PolicyBeneficiary", related_name="policies_benefiting", verbose_name=_("beneficiaries")
    )
    issue_date = models.DateField(_("issue date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    # Not in the minimal interchange columns (an optional extra): when the status last
    # changed. The lapse and surrender trends need it; in force policies leave it empty.
    status_date = models.DateField(_("status date"), null=True, blank=True)
    sum_assured = models.DecimalField(_("sum assured"), **MONEY)
    annual_premium = models.DecimalField(_("annual premium"), **MONEY)
    premium_term_years = models.PositiveSmallIntegerField(_("premium term (years)"))
    policy_term_years = models.PositiveSmallIntegerField(_("policy term (years)"))
    payment_frequency = models.CharField(_("payment frequency"), max_length=12, choices=Frequency.choices)
    channel = models.CharField(_("channel"), max_length=14, choices=Channel.choices)
    agent_code = models.CharField(_("agent code"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        constraints = [
            models.CheckConstraint(name="policy_sum_assured_positive", condition=Q(sum_assured__gt=0)),
            models.CheckConstraint(name="policy_premium_not_negative", condition=Q(annual_premium__gte=0)),
            models.CheckConstraint(
                name="policy_terms_consistent",
                condition=Q(premium_term_years__gte=1)
                & Q(policy_term_years__gte=1)
                & Q(premium_term_years__lte=F("policy_term_years")),
            ),
            models.CheckConstraint(
                name="policy_single_premium_paid_once",
                condition=~Q(payment_frequency="single") | Q(premium_term_years=1),
            ),
            models.CheckConstraint(
                name="policy_status_date_after_issue",
                condition=Q(status_date__isnull=True) | Q(status_date__gte=F("issue_date")),
            ),
            models.CheckConstraint(
                name="policy_status_valid",
                condition=Q(status__in=["in_force", "lapsed", "surrendered", "matured", "claimed", "cancelled"]),
            ),
        ]
        indexes = [
            # Dashboard mixes and list filters.
            models.Index(fields=["status", "product"], name="policy_status_product_idx"),
            models.Index(fields=["channel", "status"], name="policy_channel_status_idx"),
            # The list's default order (newest first, id breaking ties) read straight off the index.
            models.Index(fields=["-issue_date", "-id"], name="policy_issue_date_idx"),
            models.Index(fields=["agent_code"], name="policy_agent_idx"),
            # The list's sortable money columns.
            models.Index(fields=["-sum_assured", "-id"], name="policy_sum_assured_idx"),
            models.Index(fields=["-annual_premium", "-id"], name="policy_premium_idx"),
        ]

    def __str__(self) -> str:
        return self.policy_ref


class PolicyBeneficiary(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="beneficiary_links")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="beneficiary_links")
    position = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "customer"], name="policy_beneficiary_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}#{self.position} {self.customer_id}"


class PolicyTransaction(models.Model):
    class Kind(models.TextChoices):
        PREMIUM = "premium", _("Premium")
        POLICY_LOAN = "policy_loan", _("Policy loan")
        LOAN_REPAYMENT = "loan_repayment", _("Loan repayment")
        SURRENDER = "surrender", _("Surrender")
        COOLING_OFF_REFUND = "cooling_off_refund", _("Cooling-off refund")
        PARTIAL_WITHDRAWAL = "partial_withdrawal", _("Partial withdrawal")
        CLAIM_PAYOUT = "claim_payout", _("Claim payout")
        REFUND = "refund", _("Refund")
        BENEFICIARY_CHANGE = "beneficiary_change", _("Beneficiary change")
        OWNER_CHANGE = "owner_change", _("Owner change")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        TRANSFER = "transfer", _("Transfer")
        CARD = "card", _("Card")
        CHEQUE = "cheque", _("Cheque")
        NONE = "none", _("None")

    # Money flowing in to the insurer; every other money kind flows out to a payee.
    MONEY_IN = frozenset({"premium", "loan_repayment"})
    NON_MONETARY = frozenset({"beneficiary_change", "owner_change"})

    # Unique through Meta.constraints rather than unique=True: on PostgreSQL that skips the
    # extra varchar_pattern_ops index no query here needs, which every insert would pay for.
    txn_ref = models.CharField(_("transaction ref"), max_length=40)
    # No separate index on policy: txn_policy_time_idx starts with it.
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="transactions", verbose_name=_("policy"), db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    timestamp = models.DateTimeField(_("timestamp"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    payer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments_made",
        verbose_name=_("payer"),
    )
    payee = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments_received",
        verbose_name=_("payee"),
    )
    account_ref = models.CharField(_("account ref"), max_length=40, blank=True)
    counterparty_country = models.CharField(_("counterparty country"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("policy transaction")
        verbose_name_plural = _("policy transactions")
        constraints = [
            models.UniqueConstraint(fields=["txn_ref"], name="txn_ref_unique"),
            models.CheckConstraint(name="txn_amount_not_negative", condition=Q(amount__gte=0)),
            models.CheckConstraint(
                name="txn_non_monetary_has_no_amount",
                condition=~Q(kind__in=["beneficiary_change", "owner_change"]) | Q(amount=0),
            ),
        ]
        indexes = [
            # A policy's or customer's timeline, newest first.
            models.Index(fields=["policy", "-timestamp"], name="txn_policy_time_idx"),
            # The transaction list sorts by time by default and filters by kind.
            models.Index(fields=["-timestamp", "-id"], name="txn_time_idx"),
            models.Index(fields=["kind", "-timestamp"], name="txn_kind_time_idx"),
            # Sorting the list by amount: without it, 3,000,000 rows are sorted per page view.
            models.Index(fields=["-amount", "-id"], name="txn_amount_idx"),
        ]

    def __str__(self) -> str:
        return self.txn_ref


# --- Precomputed dashboard figures ------------------------------------------------------
# Aggregating 3,000,000 transactions per page view would miss the 200 ms budget, so the
# dashboard reads these tables; customers.summary rebuilds them after every import, seed
# and nightly (a Celery task).


class BookSnapshot(models.Model):
    computed_at = models.DateTimeField(_("computed at"))
    customers = models.PositiveIntegerField(_("customers"))
    policies = models.PositiveIntegerField(_("policies"))
    policies_in_force = models.PositiveIntegerField(_("policies in force"))
    annual_premium_in_force = models.DecimalField(_("annualised premium in force"), **MONEY)
    sum_assured_in_force = models.DecimalField(_("sum assured in force"), max_digits=22, decimal_places=2)
    transactions = models.PositiveIntegerField(_("transactions"))
    trigger = models.CharField(_("trigger"), max_length=40)

    class Meta:
        verbose_name = _("book snapshot")
        verbose_name_plural = _("book snapshots")
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"book at {self.computed_at:%Y-%m-%d %H:%M}"


class BookMonthFigure(models.Model):
    month = models.DateField(_("month"), unique=True)  # first day of the month
    premium_income = models.DecimalField(_("premium income"), **MONEY)
    new_policies = models.PositiveIntegerField(_("new policies"))
    policies_in_force_end = models.PositiveIntegerField(_("policies in force at month end"))
    surrenders = models.PositiveIntegerField(_("surrenders"))
    surrender_amount = models.DecimalField(_("surrender amount"), **MONEY)
    lapses = models.PositiveIntegerField(_("lapses"))
    claims_paid = models.DecimalField(_("claims paid"), **MONEY)

    class Meta:
        verbose_name = _("book month figure")
        verbose_name_plural = _("book month figures")
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class BookMixFigure(models.Model):
    class Dimension(models.TextChoices):
        PRODUCT = "product", _("Product")
        CHANNEL = "channel", _("Channel")
        STATUS = "status", _("Status")

    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices)
    key = models.CharField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    policies = models.PositiveIntegerField(_("policies"))
    annual_premium = models.DecimalField(_("annual premium"), **MONEY)

    class Meta:
        verbose_name = _("book mix figure")
        verbose_name_plural = _("book mix figures")
        constraints = [models.UniqueConstraint(fields=["dimension", "key"], name="book_mix_unique")]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.key}"
