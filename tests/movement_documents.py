"""GraphQL documents for money movements, shared by the resolver and end-to-end tests."""

POST_TRANSFERS = """
mutation($input: PostTransfersInput!) {
  postTransfers(input: $input) {
    batch { id idempotencyKey metadata createdAt
            transfers { id fromAccountId toAccountId amount memo metadata batchId } }
    userErrors { code message field }
  }
}
"""
CREATE_WITH_LIMIT = """
mutation($input: CreateAccountInput!) {
  createAccount(input: $input) {
    account { id balance overdraftLimit metadata }
    userErrors { code message field }
  }
}
"""
ACCOUNT_LIMIT = "query($id: ID!) { account(id: $id) { id balance overdraftLimit metadata } }"
REVERSE = """
mutation($input: ReverseTransferInput!) {
  reverseTransfer(input: $input) {
    transfer { id fromAccountId toAccountId amount reversalOf }
    userErrors { code message field }
  }
}
"""
TRANSFER_REVERSALS = """
query($id: ID!) { transfer(id: $id) { id amount reversedAmount reversals { id amount } } }
"""
HOLD_FIELDS = """
id fromAccountId toAccountId amount capturedAmount currency status expiresAt createdAt memo
metadata transferId
"""
AUTHORIZE = f"""
mutation($input: AuthorizeTransferInput!) {{
  authorizeTransfer(input: $input) {{
    pendingTransfer {{ {HOLD_FIELDS} }}
    userErrors {{ code message field }}
  }}
}}
"""
CAPTURE = f"""
mutation($input: CaptureTransferInput!) {{
  captureTransfer(input: $input) {{
    pendingTransfer {{ {HOLD_FIELDS} }}
    transfer {{ id fromAccountId toAccountId amount }}
    userErrors {{ code message field }}
  }}
}}
"""
VOID = f"""
mutation($input: VoidTransferInput!) {{
  voidTransfer(input: $input) {{
    pendingTransfer {{ {HOLD_FIELDS} }}
    userErrors {{ code message field }}
  }}
}}
"""
PENDING_TRANSFER = f"query($id: ID!) {{ pendingTransfer(id: $id) {{ {HOLD_FIELDS} }} }}"
ACCOUNT_HOLDS = """
query($id: ID!, $first: Int, $after: String, $status: PendingTransferStatus) {
  account(id: $id) {
    id balance availableBalance pendingDebits
    pendingTransfers(first: $first, after: $after, status: $status) {
      edges { cursor node { id amount status } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""
