"""One module per mutation; `resolvers.mutation.Mutation` puts them on the schema."""
