"""Helpers for tests that drive server-rendered pages through the test client."""


def post_data(response) -> dict:
    """What the browser sends back for a household form page as rendered (every field as shown,
    the formset's management form and the version the page was loaded with)."""
    context = response.context
    data: dict = {"version": context["version"]}
    formset = context["formset"]
    for form in [context["form"], formset.management_form, *formset.forms]:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)
    return data
