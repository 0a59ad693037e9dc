from django.core.cache import cache


def test_each_user_gets_the_configured_number_of_requests_then_429(world, client_for, settings):
    cache.clear()
    settings.API_RATE_LIMIT = "3/m"
    client = client_for(world.secretary)
    answers = [client.get("/api/v1/members").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    response = client.get("/api/v1/members")
    assert response.json()["detail"] and int(response["Retry-After"]) > 0
    # Another user has their own allowance.
    other = client_for(world.sibling_secretary)
    assert other.get("/api/v1/members").status_code == 200
    cache.clear()


def test_the_limit_is_a_setting_that_can_be_switched_off(world, client_for, settings):
    settings.API_RATE_LIMIT = ""
    client = client_for(world.secretary)
    assert all(client.get("/api/v1/members").status_code == 200 for _ in range(10))
