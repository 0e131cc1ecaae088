"""Mutation fields. Business failures come back as `userErrors`, never as GraphQL errors."""

from __future__ import annotations

import strawberry

from graph.exchange import QuotePayload
from graph.holds import AuthorizeTransferPayload, CaptureTransferPayload, VoidTransferPayload
from graph.inputs import CreateAccountPayload, TransferPayload
from graph.movements import PostTransfersPayload, ReverseTransferPayload
from resolvers.mutations.authorize_transfer import authorize_transfer
from resolvers.mutations.capture_transfer import capture_transfer
from resolvers.mutations.create_account import create_account
from resolvers.mutations.post_transfers import post_transfers
from resolvers.mutations.quote import quote
from resolvers.mutations.reverse_transfer import reverse_transfer
from resolvers.mutations.transfer import transfer
from resolvers.mutations.void_transfer import void_transfer


@strawberry.type
class Mutation:
    create_account: CreateAccountPayload = strawberry.mutation(
        resolver=create_account,
        description="Open an account. userErrors: ACCOUNT_EXISTS, FORBIDDEN (a holder "
        "setting an owner, a balance or an overdraft limit), INVALID_AMOUNT, INVALID_INPUT.",
    )
    transfer: TransferPayload = strawberry.mutation(
        resolver=transfer,
        description="Move money between two accounts atomically; with `quoteId`, exchange "
        "between two currencies (four entries through the liquidity accounts fx:<CCY>, one "
        "transaction). userErrors: ACCOUNT_NOT_FOUND, INSUFFICIENT_FUNDS, INVALID_AMOUNT, "
        "SAME_ACCOUNT, CURRENCY_MISMATCH, IDEMPOTENCY_CONFLICT, INVALID_INPUT, "
        "QUOTE_NOT_FOUND, QUOTE_EXPIRED, QUOTE_USED, QUOTE_MISMATCH.",
    )
    quote: QuotePayload = strawberry.mutation(
        resolver=quote,
        description="Price an exchange and store the quote, bookable once until `expiresAt` "
        "(any authenticated caller). userErrors: INVALID_INPUT (unknown or equal "
        "currencies), INVALID_AMOUNT, RATE_NOT_FOUND, RATES_UNAVAILABLE, RATES_STALE.",
    )
    post_transfers: PostTransfersPayload = strawberry.mutation(
        resolver=post_transfers,
        description="Commit several transfers in one transaction: all or none. An account in "
        "several transfers is updated once with its net effect. userErrors: "
        "ACCOUNT_NOT_FOUND, INSUFFICIENT_FUNDS, INVALID_AMOUNT, SAME_ACCOUNT, "
        "CURRENCY_MISMATCH, IDEMPOTENCY_CONFLICT, BATCH_TOO_LARGE, INVALID_INPUT.",
    )
    reverse_transfer: ReverseTransferPayload = strawberry.mutation(
        resolver=reverse_transfer,
        description="Give back all or part of a transfer: a new transfer in the opposite "
        "direction, linked both ways. Only the recipient's holder or an operator reverses. "
        "userErrors: TRANSFER_NOT_FOUND, FORBIDDEN, REVERSAL_EXCEEDS_ORIGINAL, "
        "INSUFFICIENT_FUNDS, INVALID_AMOUNT, IDEMPOTENCY_CONFLICT, INVALID_INPUT.",
    )
    authorize_transfer: AuthorizeTransferPayload = strawberry.mutation(
        resolver=authorize_transfer,
        description="Reserve funds on the source without moving them (a hold): its "
        "availableBalance drops until the hold is captured, voided or expires. A holder "
        "authorizes from its own accounts only. userErrors: ACCOUNT_NOT_FOUND, "
        "INSUFFICIENT_FUNDS, INVALID_AMOUNT, SAME_ACCOUNT, CURRENCY_MISMATCH, "
        "IDEMPOTENCY_CONFLICT, INVALID_INPUT.",
    )
    capture_transfer: CaptureTransferPayload = strawberry.mutation(
        resolver=capture_transfer,
        description="Post all or part of a PENDING hold as a transfer; the rest is released. "
        "Only the source's holder or an operator captures. userErrors: TRANSFER_NOT_FOUND, "
        "FORBIDDEN, TRANSFER_NOT_PENDING (captured, voided or expired), "
        "AMOUNT_EXCEEDS_AUTHORIZED, INVALID_AMOUNT, IDEMPOTENCY_CONFLICT, INVALID_INPUT.",
    )
    void_transfer: VoidTransferPayload = strawberry.mutation(
        resolver=void_transfer,
        description="Release a PENDING hold. Only the source's holder or an operator voids. "
        "userErrors: TRANSFER_NOT_FOUND, FORBIDDEN, TRANSFER_NOT_PENDING.",
    )
