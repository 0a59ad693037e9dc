from django.urls import reverse


def test_the_interface_is_chinese_by_default(world, client_for):
    body = client_for(world.secretary).get(reverse("member-list")).content.decode()
    assert "党员" in body
    assert ">Members<" not in body


def test_an_english_browser_still_gets_chinese(world, client_for):
    body = client_for(world.secretary).get(reverse("member-list"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert '<html lang="zh-hans">' in body


def test_the_english_catalog_keeps_working(world, client_for):
    client = client_for(world.secretary)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("member-list")).content.decode()
    assert '<html lang="en">' in body
    assert "Members" in body


def test_field_messages_are_chinese(world, client_for):
    response = client_for(world.secretary).post(reverse("member-create"), {"org": world.branch_a1.pk})
    body = response.content.decode()
    assert "此项为必填项" in body
    assert "invalid-feedback" in body
