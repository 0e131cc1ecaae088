# syntax=docker/dockerfile:1
# The stream Lambda: entrypoints.lambda_handler.handle_dynamodb_stream on AWS's Lambda Python base
# image (which brings the runtime interface client the API image lacks). From the repository root:
#   docker build --platform linux/amd64 -f deploy/lambda.Dockerfile -t ledger-stream .
# Same package and constraints as the API image; the template's StreamFunctionImageUri points here.

FROM public.ecr.aws/lambda/python:3.11
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml constraints.txt README.md /tmp/src/
COPY services /tmp/src/services
COPY graph /tmp/src/graph
COPY resolvers /tmp/src/resolvers
COPY entrypoints /tmp/src/entrypoints
RUN pip install -c /tmp/src/constraints.txt --target "${LAMBDA_TASK_ROOT}" /tmp/src \
    && rm -rf /tmp/src
CMD ["entrypoints.lambda_handler.handle_dynamodb_stream"]
