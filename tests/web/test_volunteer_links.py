"""The links in the e-mail: confirm (one click) and withdraw (deletes everything)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from locator.extensions import db
from locator.mail.models import OutgoingMail
from locator.volunteers.models import Volunteer
from tests.volunteers_helpers import csrf_token, links, send_queued_mail, sign_up


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(smtp_server.config)
    return app_config


@pytest.fixture
def mailed_links(client, smtp_server):
    assert sign_up(client).status_code == 303
    send_queued_mail(client)
    [message] = smtp_server.wait_for(1)
    return links(message)


def the_volunteer() -> Volunteer | None:
    db.session.expire_all()
    return db.session.scalar(select(Volunteer))


def test_following_the_confirm_link_confirms(client, mailed_links):
    page = client.get(mailed_links["confirm"])
    assert page.status_code == 200
    assert "реєстрацію підтверджено" in page.get_data(as_text=True)
    volunteer = the_volunteer()
    assert volunteer.status == "confirmed"
    assert volunteer.confirmed_at is not None


def test_confirming_twice_is_harmless(client, mailed_links):
    client.get(mailed_links["confirm"])
    first = the_volunteer().confirmed_at
    assert client.get(mailed_links["confirm"]).status_code == 200
    assert the_volunteer().confirmed_at == first


def test_confirm_link_expires_after_a_week(client, clock, mailed_links):
    clock.moment += timedelta(days=8)
    page = client.get(mailed_links["confirm"])
    assert page.status_code == 410
    assert "Термін дії посилання минув" in page.get_data(as_text=True)
    assert the_volunteer().status == "new"


def test_withdraw_link_asks_first_then_deletes_everything(client, mailed_links, smtp_server):
    client.get(mailed_links["confirm"])
    page = client.get(mailed_links["withdraw"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Видалити мої дані" in html
    assert the_volunteer() is not None  # opening the link (a mail scanner) deletes nothing

    done = client.post(mailed_links["withdraw"], data={"csrf_token": csrf_token(html)})
    assert done.status_code == 303
    assert "Ваші дані видалено" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert the_volunteer() is None
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0

    again = client.get(mailed_links["withdraw"])
    assert again.status_code == 303  # already gone: straight to "deleted"


def test_withdraw_without_csrf_deletes_nothing(client, mailed_links):
    assert client.post(mailed_links["withdraw"]).status_code == 400
    assert the_volunteer() is not None


def test_confirm_link_after_withdrawal_says_the_data_is_gone(client, mailed_links):
    html = client.get(mailed_links["withdraw"]).get_data(as_text=True)
    client.post(mailed_links["withdraw"], data={"csrf_token": csrf_token(html)})
    page = client.get(mailed_links["confirm"])
    assert page.status_code == 410
    assert "Ми більше не зберігаємо цю реєстрацію" in page.get_data(as_text=True)


def test_confirm_token_cannot_withdraw(client, mailed_links):
    token = mailed_links["confirm"].split("/")[-1].split("?")[0]
    assert client.get(f"/volunteer/withdraw/{token}").status_code == 404
    assert the_volunteer() is not None


@pytest.mark.parametrize("token", ["x", "abc.def.ghi", "<script>", "a" * 2000])
def test_forged_links_are_404(client, token):
    assert client.get(f"/volunteer/confirm/{token}").status_code == 404
    assert client.get(f"/volunteer/withdraw/{token}").status_code == 404


def test_new_sign_up_after_withdrawal_gets_new_links(client, mailed_links, smtp_server):
    html = client.get(mailed_links["withdraw"]).get_data(as_text=True)
    client.post(mailed_links["withdraw"], data={"csrf_token": csrf_token(html)})
    sign_up(client)
    send_queued_mail(client)
    second = links(smtp_server.wait_for(2)[1])
    assert second["confirm"] != mailed_links["confirm"]
    # The old links do not reach the new sign-up.
    assert client.get(mailed_links["confirm"]).status_code == 410
    assert the_volunteer().status == "new"
