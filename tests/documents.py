"""GraphQL documents shared by the in-process resolver tests and the end-to-end tests."""

CREATE = """
mutation($input: CreateAccountInput!) {
  createAccount(input: $input) {
    account { id balance currency email phone createdAt }
    userErrors { code message field }
  }
}
"""
TRANSFER = """
mutation($input: TransferInput!) {
  transfer(input: $input) {
    transfer { id fromAccountId toAccountId amount currency memo idempotencyKey createdAt
               fromAccount { id balance } toAccount { id balance } }
    userErrors { code message field }
  }
}
"""
