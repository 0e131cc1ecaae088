"""What holds and labels add to an entry is as tamper-evident as its amount: the kind of
change, the pending debits after it and its metadata are in its hash (`ledger-entry-v2`), so
editing any of them in the table is a HASH_MISMATCH for `ledger verify`."""

from __future__ import annotations

from typing import Any

import aioboto3
import pytest

from services import Ledger
from services.identity.principal import AuthMethod, Principal
from services.settings import Settings
from tests.helpers import items_of_type, table_items

OPERATOR = Principal(subject="ops", is_operator=True, method=AuthMethod.JWT)


async def put_raw(settings: Settings, item: dict[str, Any]) -> None:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    async with session.client("dynamodb", endpoint_url=settings.endpoint_url) as client:
        await client.put_item(TableName=settings.table_name, Item=item)


@pytest.mark.parametrize(
    "tamper",
    [
        {"set": {"pending_after": {"N": "0.01"}}},
        {"remove": ["pending_after"]},
        {"set": {"kind": {"S": "HOLD_VOIDED"}}},
        {"remove": ["kind"]},
        {"set": {"metadata": {"M": {"order": {"S": "18"}}}}},
        {"remove": ["metadata"]},
    ],
    ids=[
        "pending changed",
        "pending stripped",
        "kind changed",
        "kind stripped",
        "metadata changed",
        "metadata stripped",
    ],
)
async def test_a_holds_entry_fields_are_in_its_hash(
    ledger: Ledger, settings: Settings, tamper: dict[str, Any]
) -> None:
    await ledger.create_account_with_balance("payer", "100.00")
    await ledger.create_account_with_balance("shop", "0")
    await ledger.hold_service().authorize_transfer(
        "payer", "shop", "25.00", metadata={"order": "17"}
    )
    operator = ledger.acting_as(OPERATOR)
    assert (await operator.verify_account("payer")).ok
    [item] = [
        i
        for i in items_of_type(await table_items(settings), "ENTRY")
        if i["account_id"]["S"] == "payer" and i["direction"]["S"] == "HOLD"
    ]
    assert {"kind", "pending_after", "metadata"} <= item.keys()
    for name in tamper.get("remove", []):
        del item[name]
    item.update(tamper.get("set", {}))
    await put_raw(settings, item)
    report = await operator.verify_account("payer")
    assert not report.ok
    assert [p.kind.value for p in report.problems] == ["HASH_MISMATCH"]
