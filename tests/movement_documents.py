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
