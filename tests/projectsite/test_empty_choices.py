"""An empty choice in a list is named in Vietnamese: "— Tất cả —" in a filter, "— Chọn —" in a form
(or a prompt of the form's own, such as "— không có —"), never Django's "---------"."""

import re

import pytest
from django.urls import reverse


@pytest.mark.parametrize("name", ["reports:assignments", "reports:lagging", "reports:notifications"])
def test_a_filters_empty_choice_reads_all(client, tree, name):
    client.force_login(tree.secretariat)
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert "---------" not in page
    assert '<option value="" selected>— Tất cả —</option>' in page


@pytest.mark.parametrize("name", ["tasks:document_new", "tasks:import_start"])
def test_a_forms_empty_choice_reads_choose(client, tree, name):
    client.force_login(tree.secretariat)
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert "---------" not in page
    empty_labels = re.findall(r'<option value=""[^>]*>([^<]*)</option>', page)
    assert empty_labels and all(label.startswith("— ") and label.endswith(" —") for label in empty_labels)
