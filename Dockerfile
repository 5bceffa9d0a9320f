# The trainer as a container-image Lambda with native tfjs (@tensorflow/tfjs-node).
# Built by `cdk deploy -c cosearch:trainer=image`; `cdk synth` only stages the context,
# which .dockerignore narrows to the sources the trainer needs.
# tfjs-node publishes no linux-arm64 binary, so this image is x86_64.
FROM public.ecr.aws/lambda/nodejs:22 AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY core ./core
COPY lambdas ./lambdas
# One bundle per image handler (infra/function-defaults.ts IMAGE_BUNDLES picks it through CMD).
RUN for h in train-child supernet-chunk; do \
      npx esbuild lambdas/handlers/$h.ts --bundle --platform=node --target=node22 \
        --format=esm --outfile=dist/$h.mjs --external:@tensorflow/tfjs-node --external:@aws-sdk/* \
        --banner:js="import { createRequire as __cosearchRequire } from 'module'; const require = __cosearchRequire(import.meta.url);" \
      || exit 1; \
    done

FROM public.ecr.aws/lambda/nodejs:22
WORKDIR ${LAMBDA_TASK_ROOT}
# Only the native backend is installed here (its install step fetches libtensorflow); everything
# else is in the bundle. Keep the version equal to the bundled @tensorflow/tfjs.
ARG TFJS_VERSION=4.22.0
RUN npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node@${TFJS_VERSION} && npm cache clean --force
COPY --from=build /build/dist/*.mjs ./
COPY data/digits.csv.gz ./data/digits.csv.gz
ENV COSEARCH_DATA_DIR=/var/task/data
CMD ["train-child.handler"]
