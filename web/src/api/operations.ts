/** Every operation the app sends; GraphQL Code Generator types them from schema.graphql. */
import { graphql } from "../gql";

export const MyAccountsQuery = graphql(`
  query MyAccounts($after: String) {
    me {
      subject
      isAdmin
      accounts(first: 50, after: $after) {
        edges {
          node {
            id
            balance
            currency
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

export const AccountQuery = graphql(`
  query Account($id: ID!) {
    account(id: $id) {
      id
      balance
      currency
      ownerId
      createdAt
    }
  }
`);

export const HistoryQuery = graphql(`
  query History($id: ID!, $first: Int!, $after: String) {
    account(id: $id) {
      id
      transactions(first: $first, after: $after) {
        edges {
          cursor
          node {
            ...EntryFields
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

export const EntryFields = graphql(`
  fragment EntryFields on LedgerEntry {
    id
    direction
    amount
    balanceAfter
    currency
    memo
    counterpartyId
    createdAt
  }
`);

export const BalanceChangedSubscription = graphql(`
  subscription BalanceChanged($accountId: ID!, $afterVersion: Int) {
    balanceChanged(accountId: $accountId, afterVersion: $afterVersion) {
      accountId
      balance
      delta
      version
      at
      entry {
        ...EntryFields
      }
    }
  }
`);

export const TransferMutation = graphql(`
  mutation Transfer($input: TransferInput!) {
    transfer(input: $input) {
      transfer {
        id
        fromAccountId
        toAccountId
        amount
        currency
        memo
        createdAt
      }
      userErrors {
        code
        message
        field
      }
    }
  }
`);

export const CreateAccountMutation = graphql(`
  mutation CreateAccount($input: CreateAccountInput!) {
    createAccount(input: $input) {
      account {
        id
        balance
        currency
        ownerId
      }
      userErrors {
        code
        message
        field
      }
    }
  }
`);

export const MeQuery = graphql(`
  query Me {
    me {
      subject
      isAdmin
    }
  }
`);
