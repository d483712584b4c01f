"""Forms of the household registry: a household, one member, and a household's member list.

The checks that need no database are households.rules functions (shared with the API and
the Excel import); the forms call them and put each message on the field it concerns. The
one check that needs the database, "this ID is already active in another household" (ID-09),
is a single indexed lookup in MemberForm.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from households import rules
from households.choices import CauseOfPoverty, Relation
from households.models import Household, Member
from households.validators import (
    id_number_parse,
    normalize_phone,
    validate_birth_date_matches_id,
    validate_phone,
    validate_sex_matches_id,
)
from villages.choices import RegionLevel
from villages.models import Region

__all__ = [
    "HOUSEHOLD_FORM_FIELDS",
    "MEMBER_FORM_FIELDS",
    "MSG_DELETE_REASON",
    "MSG_HEAD_MOVES",
    "MSG_ID_IN_HIDDEN_HOUSEHOLD",
    "MSG_VILLAGE_LEVEL",
    "MSG_VILLAGE_OUT_OF_SCOPE",
    "HouseholdDeleteForm",
    "HouseholdEntryForm",
    "HouseholdForm",
    "HouseholdRestoreForm",
    "MemberEntryForm",
    "MemberForm",
    "MemberInlineFormSet",
    "member_entry_formset",
]

MSG_HEAD_MOVES = _("该成员是原户的户主，请先为原户指定新户主，再把该成员移到其他户")
MSG_VILLAGE_LEVEL = _("所在村必须是村级区划，当前选择的是%(level)s级区划%(name)s")

# Every household field except those set by the model (registered_village_code), by the
# status workflow (status, status_changed_on, exit_year) or by the soft-delete service.
HOUSEHOLD_FORM_FIELDS = [
    "household_number",
    "village",
    "group_name",
    "address",
    "system_version",
    "identification_standard",
    "attribute",
    "identified_year",
    "main_cause",
    "other_causes",
    "cause_note",
    "is_military_family",
    "is_only_child_family",
    "is_two_daughter_family",
    "phone",
    "bank_name",
    "bank_account",
    "cultivated_land_mu",
    "irrigated_land_mu",
    "forest_land_mu",
    "grain_to_green_mu",
    "fruit_forest_mu",
    "pasture_mu",
    "water_surface_mu",
    "in_cooperative",
    "led_by_enterprise",
    "led_by_entrepreneur",
    "has_production_power",
    "has_living_power",
    "has_broadcast_tv",
    "distance_to_road_km",
    "access_road",
    "housing_area",
    "is_dangerous_house",
    "house_grade",
    "has_sanitary_toilet",
    "fuel_type",
    "water_source",
    "has_water_difficulty",
    "has_safe_water",
    "is_relocated",
    "relocation_mode",
    "resettlement_mode",
    "resettlement_place",
    "latitude",
    "longitude",
]

# Every member field except the division code, which is copied from the household's village.
MEMBER_FORM_FIELDS = [
    "household",
    "name",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "relation",
    "ethnicity",
    "political_status",
    "education",
    "school_status",
    "health",
    "has_chronic_illness",
    "disability_category",
    "disability_grade",
    "disability_cert_number",
    "labour_ability",
    "work_status",
    "work_months",
    "is_active_military",
    "has_resident_medical_insurance",
    "has_employee_medical_insurance",
    "has_critical_illness_insurance",
    "has_resident_pension",
    "has_employee_pension",
    "dibao",
    "tekun",
    "receives_yulu",
    "phone",
    "id_note",
    "is_active",
    "change_reason",
    "changed_on",
]

# What households.rules.household_members_problems reads of each member.
MEMBER_ROW_FIELDS = ("relation", "sex", "id_number", "is_active", "name")


def _add_problems(form: forms.BaseForm, problems) -> None:
    """Put rule problems on their fields (on the form when the field is not on it).

    A field that already failed its own validation (e.g. "required") keeps that one message.
    """
    for field, message in problems:
        if field in form.errors:
            continue
        form.add_error(field if field in form.fields else None, message)


class HouseholdForm(forms.ModelForm):
    """A household's registration data (户信息), without members, status or deletion."""

    other_causes = forms.TypedMultipleChoiceField(
        label=_("其他致贫原因"),
        choices=CauseOfPoverty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("最多2项，不得与主要致贫原因重复"),
    )

    class Meta:
        model = Household
        fields = HOUSEHOLD_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "village" in self.fields:
            # Accept any region here, so that a township or county gets a message that says
            # so (clean_village) instead of the generic "not a valid choice".
            self.fields["village"].queryset = Region.objects.all()

    def clean_household_number(self) -> str:
        number = (self.cleaned_data.get("household_number") or "").strip()
        for _field, message in rules.household_number_problems(number):
            raise ValidationError(message, code="household_number")
        return number

    def clean_village(self) -> Region | None:
        village = self.cleaned_data.get("village")
        if village is not None and village.level != RegionLevel.VILLAGE:
            raise ValidationError(
                MSG_VILLAGE_LEVEL,
                code="village_level",
                params={"level": village.get_level_display(), "name": str(village)},
            )
        return village

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data.get("phone"))
        validate_phone(phone)
        return phone

    def clean(self):
        cleaned = super().clean()
        values = {
            name: cleaned.get(name)
            for name in ("main_cause", "other_causes", "is_dangerous_house", "house_grade")
            if name in self.fields
        }
        _add_problems(self, rules.household_problems(values))
        return cleaned


class MemberForm(forms.ModelForm):
    """One member (家庭成员). The ID number is the source of truth for birth date and sex.

    The number is normalised (full-width digits, spaces and apostrophes pasted from Excel,
    lower-case x) and a 15-digit legacy number is upgraded to 18 digits with a note. Birth
    date and sex are filled from the ID when left empty; when given, they must match it.

    Used on its own, the form needs the household (the ``household`` field, or an instance
    whose household is set) and checks the edit against the household's other members
    (FAM-01..03: e.g. the only head may not be demoted). Inside MemberInlineFormSet the
    parent household is used and the formset checks the whole list instead.
    """

    #: MemberInlineFormSet turns this off: it checks the submitted list as a whole.
    check_household_members = True

    id_number = forms.CharField(
        label=_("证件号码"),
        # Wider than the column: a pasted value may carry spaces; the stored value is ≤ 22.
        max_length=60,
        help_text=_("18位身份证号；也可填15位旧号码（自动升级）或20位残疾人证号"),
    )

    class Meta:
        model = Member
        fields = MEMBER_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("sex", "birth_date"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = _("留空则按证件号码填写")

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data.get("phone"))
        validate_phone(phone)
        return phone

    def _value(self, name: str):
        """A field's cleaned value, or the instance's when the field is not on this form."""
        if name in self.fields:
            return self.cleaned_data.get(name)
        return getattr(self.instance, name)

    def _set(self, name: str, value) -> None:
        if name in self.fields:
            self.cleaned_data[name] = value
        else:
            setattr(self.instance, name, value)

    def clean(self):
        cleaned = super().clean()
        raw_number = cleaned.get("id_number")
        if raw_number is not None:
            self._clean_id_number(raw_number)
        values = {
            name: self._value(name)
            for name in (
                "has_resident_medical_insurance",
                "has_employee_medical_insurance",
                "is_active",
                "change_reason",
            )
        }
        _add_problems(self, rules.member_problems(values))
        if self.check_household_members and not self.errors:
            self._check_household_members()
        return cleaned

    def _check_household_members(self) -> None:
        """This member, as edited, among the household's other active members (one query)."""
        household_pk = self._household_pk()
        old = self.instance
        if (
            old.pk is not None
            and old.household_id is not None
            and old.household_id != household_pk
            and old.is_active
            and old.relation == Relation.HEAD
        ):
            field = "household" if "household" in self.fields else None
            self.add_error(field, ValidationError(MSG_HEAD_MOVES, code="head_moves"))
            return
        if household_pk is None:
            return
        others = Member.objects.filter(household_id=household_pk, is_active=True)
        if old.pk is not None:
            others = others.exclude(pk=old.pk)
        rows = list(others.values("relation", "sex", "id_number", "name"))
        rows.append({name: self._value(name) for name in MEMBER_ROW_FIELDS})
        mine = len(rows) - 1
        problems = [
            (field, message)
            for index, field, message in rules.household_members_problems(rows)
            if index in (mine, None)
        ]
        _add_problems(self, problems)

    def _clean_id_number(self, raw_number: str) -> None:
        try:
            parsed = id_number_parse(raw_number)
        except ValidationError as exc:
            self.add_error("id_number", exc)
            return
        self.cleaned_data["id_number"] = parsed.number

        if parsed.upgraded_from:
            note = self._value("id_note") or ""
            if parsed.note not in note:
                self._set("id_note", "；".join(filter(None, [note, parsed.note]))[:100])

        birth_date = self._value("birth_date")
        if birth_date is None:
            self._set("birth_date", parsed.birth_date)
        elif "birth_date" not in self.errors:
            try:
                validate_birth_date_matches_id(birth_date, parsed)
            except ValidationError as exc:
                self.add_error("birth_date" if "birth_date" in self.fields else "id_number", exc)

        sex = self._value("sex")
        if not sex:
            self._set("sex", parsed.sex)
        elif "sex" not in self.errors:
            try:
                validate_sex_matches_id(sex, parsed)
            except ValidationError as exc:
                self.add_error("sex" if "sex" in self.fields else "id_number", exc)

        self._check_other_households(parsed.number)

    def _household_pk(self) -> int | None:
        household = self.cleaned_data.get("household") if "household" in self.fields else None
        if household is not None:
            return household.pk
        return self.instance.household_id

    def _check_other_households(self, number: str) -> None:
        """ID-09: one person, one active household. One indexed query, only when it matters."""
        if not self._value("is_active"):
            return
        if (
            self.instance.pk is not None
            and number == self.instance.id_number
            and not {"is_active", "household"} & set(self.changed_data)
        ):
            return  # an unchanged active row: the unique index already guarantees it
        others = Member.objects.filter(id_number=number, is_active=True)
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        other = others.values_list("household_id", "household__household_number", "name").first()
        if other is None:
            return
        household_id, household_number, name = other
        if household_id == self._household_pk():
            message = rules.MSG_ID_DUPLICATE_IN_HOUSEHOLD % {"other": name}
        else:
            message = self._other_household_message(household_id, household_number)
        self.add_error("id_number", ValidationError(message, code="id_duplicate"))

    def _other_household_message(self, household_id: int, household_number: str) -> str:
        """The ID-09 message when the ID is active in another household (a hook for pages)."""
        return rules.MSG_ID_IN_OTHER_HOUSEHOLD % {"household": household_number}

    def save(self, commit: bool = True) -> Member:
        # The member's division code is a copy of its household's village code (for scoping).
        household = self.cleaned_data.get("household") if "household" in self.fields else None
        if household is None:
            household = self.instance.household
        self.instance.division_code = household.village_id
        return super().save(commit=commit)


class MemberInlineFormSet(BaseInlineFormSet):
    """A household's member list: checks that need every member at once (FAM-01..04, ID-09).

    Each form has already checked its own ID, including against other households. Here the
    list is checked as a whole with households.rules.household_members_problems.
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.check_household_members = False  # done for the whole list in clean()
        return form

    def get_queryset(self):
        # The current head (relation 01) is listed, and therefore saved, first: the one-head
        # index is checked per statement, so an old head must be demoted before a new one is
        # promoted in the same save.
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset().order_by("relation", "birth_date", "pk")
        return self._queryset

    def clean(self):
        super().clean()
        if any(self.errors):
            return  # each form first; the list is checked once every member is valid
        kept = [
            form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)
        ]
        rows = [{name: form._value(name) for name in MEMBER_ROW_FIELDS} for form in kept]
        household_errors = []
        for index, field, message in rules.household_members_problems(rows):
            if index is None:
                household_errors.append(message)
            else:
                form = kept[index]
                form.add_error(field if field in form.fields else None, message)
        if household_errors:
            raise ValidationError(household_errors)


# --- The forms of the household pages (a user, a scope) ---------------------------------------

MSG_ID_IN_HIDDEN_HOUSEHOLD = _("证件号码重复：该人员已登记在另一户中（不在您的管辖范围内），请核实")
MSG_VILLAGE_OUT_OF_SCOPE = _("只能选择您管辖范围内的村")
MSG_DELETE_REASON = _("请填写删除原因")

#: Above this many villages in the user's scope the village is typed as a 12-digit code.
VILLAGE_SELECT_LIMIT = 3000


def _bootstrap(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget, and date pickers for dates (page forms only)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(field, forms.DateField) and type(widget) is forms.DateInput:
            widget = field.widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _bound(form: forms.BaseForm, names) -> list:
    return [form[name] for name in names if name in form.fields]


class _VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        township = obj.parent.name if obj.parent_id and obj.parent else ""
        return f"{township} {obj.name}（{obj.code}）".strip()


class HouseholdEntryForm(HouseholdForm):
    """HouseholdForm on the household pages: the village is one of the user's own villages.

    ``villages`` is the queryset of villages the user may change households in (already
    scoped by the caller). A scope too large for a drop-down (a province administrator) types
    the 12-digit code instead, still checked against the same queryset.
    """

    #: The page's sections: title, fields, and whether the section starts folded.
    SECTIONS = (
        (
            _("基本信息"),
            (
                "household_number", "village", "group_name", "address", "attribute",
                "identified_year", "identification_standard", "system_version", "phone",
                "bank_name", "bank_account",
            ),
            False,
        ),
        (
            _("致贫原因"),
            (
                "main_cause", "other_causes", "cause_note", "is_military_family",
                "is_only_child_family", "is_two_daughter_family",
            ),
            False,
        ),
        (
            _("生产生活条件"),
            (
                "cultivated_land_mu", "irrigated_land_mu", "forest_land_mu", "grain_to_green_mu",
                "fruit_forest_mu", "pasture_mu", "water_surface_mu", "in_cooperative",
                "led_by_enterprise", "led_by_entrepreneur", "has_production_power",
                "has_living_power", "has_broadcast_tv", "distance_to_road_km", "access_road",
                "housing_area", "is_dangerous_house", "house_grade", "has_sanitary_toilet",
                "fuel_type", "water_source", "has_water_difficulty", "has_safe_water",
            ),
            True,
        ),
        (
            _("易地扶贫搬迁与位置"),
            (
                "is_relocated", "relocation_mode", "resettlement_mode", "resettlement_place",
                "latitude", "longitude",
            ),
            True,
        ),
    )  # fmt: skip

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if villages is None:
            _bootstrap(self)
            return
        villages = villages.filter(level=RegionLevel.VILLAGE).select_related("parent")
        field = self.fields["village"]
        new_field = _VillageChoiceField(
            queryset=villages.order_by("code"),
            label=field.label,
            empty_label=_("请选择村"),
            error_messages={"invalid_choice": MSG_VILLAGE_OUT_OF_SCOPE},
        )
        if villages.count() > VILLAGE_SELECT_LIMIT:
            new_field.widget = forms.TextInput(
                attrs={"inputmode": "numeric", "maxlength": 12, "placeholder": "12位村代码"}
            )
        self.fields["village"] = new_field
        self.fields["household_number"].widget.attrs["autofocus"] = True
        _bootstrap(self)

    def clean_village(self) -> Region | None:
        return self.cleaned_data.get("village")

    def sections(self) -> list[dict]:
        """The sections with their bound fields; a folded section opens if it holds an error."""
        result = []
        for title, names, folded in self.SECTIONS:
            fields = _bound(self, names)
            has_errors = any(field.errors for field in fields)
            result.append({"title": title, "fields": fields, "open": not folded or has_errors})
        return result


class MemberEntryForm(MemberForm):
    """MemberForm on the household pages.

    A citizen ID already active in another household is refused with that household's number
    and a link only if the user may see it (``visible_household_ids``, a callable the page
    gives); otherwise the message does not say where, so a duplicate does not leak a record
    of another region.
    """

    #: Shown on the member's card; the rest sit under "更多".
    PRIMARY_FIELDS = (
        "name", "id_number", "relation", "sex", "birth_date", "ethnicity", "education",
        "school_status", "health", "labour_ability", "work_status", "work_months",
        "has_resident_medical_insurance", "has_employee_medical_insurance", "phone",
        "is_active", "change_reason", "changed_on",
    )  # fmt: skip

    def __init__(self, *args, visible_household_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.visible_household_ids = visible_household_ids
        self.duplicate_household = None  # (pk, number) when the message links to it
        _bootstrap(self)
        self.fields["id_number"].widget.attrs.update(
            {"data-id-number": "1", "autocomplete": "off", "inputmode": "text"}
        )
        if "birth_date" in self.fields:
            self.fields["birth_date"].widget.attrs["data-birth-date"] = "1"
        if "sex" in self.fields:
            self.fields["sex"].widget.attrs["data-sex"] = "1"

    def primary_fields(self) -> list:
        return _bound(self, self.PRIMARY_FIELDS)

    def more_fields(self) -> list:
        return [
            self[name]
            for name in self.fields
            if name not in self.PRIMARY_FIELDS and not self[name].is_hidden
        ]

    def more_has_errors(self) -> bool:
        return any(field.errors for field in self.more_fields())

    def _other_household_message(self, household_id: int, household_number: str) -> str:
        if self.visible_household_ids is None:
            return super()._other_household_message(household_id, household_number)
        if household_id in self.visible_household_ids([household_id]):
            self.duplicate_household = (household_id, household_number)
            return super()._other_household_message(household_id, household_number)
        return str(MSG_ID_IN_HIDDEN_HOUSEHOLD)


def member_entry_formset(*, extra: int):
    """The member list of the household page: every member field but the division code."""
    from django.forms import inlineformset_factory

    return inlineformset_factory(
        Household,
        Member,
        form=MemberEntryForm,
        formset=MemberInlineFormSet,
        fields=[name for name in MEMBER_FORM_FIELDS if name != "household"],
        extra=extra,
        can_delete=False,
    )


class HouseholdDeleteForm(forms.Form):
    """Soft delete (删除): the reason is kept with the household and in its history."""

    reason = forms.CharField(
        label=_("删除原因"),
        max_length=200,
        error_messages={"required": MSG_DELETE_REASON},
        widget=forms.TextInput(attrs={"autofocus": True}),
    )


class HouseholdRestoreForm(forms.Form):
    """Restore a soft-deleted household (恢复); the reason goes to the history."""

    reason = forms.CharField(label=_("恢复原因"), max_length=200, required=False)
