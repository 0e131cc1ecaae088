import { existsSync } from "node:fs";
import type { CodegenConfig } from "@graphql-codegen/cli";

// The service's committed schema is the contract; schema.pending.graphql carries fields the
// backend is adding in parallel and disappears once they are in ../schema.graphql.
const schema = ["../schema.graphql"];
if (existsSync("schema.pending.graphql")) schema.push("schema.pending.graphql");

const config: CodegenConfig = {
  schema,
  documents: ["src/**/*.ts", "src/**/*.tsx", "!src/gql/**"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        // JSON: metadata, an object of string values.
        scalars: { Decimal: "string", DateTime: "string", ID: "string", JSON: "Record<string, string>" },
        strictScalars: true,
      },
    },
  },
};
export default config;
