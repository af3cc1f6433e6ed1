# One image for every NewsFuse service; docker-compose.yml picks the service with its command:
#   node --enable-source-maps scripts/bin/service.mjs <name>
# (the service bundled to JavaScript at start, no TypeScript loader in the process; libs/shared/src/launch.ts)
FROM node:20-slim

# onnxruntime-node's install script would download GPU binaries; the CPU build ships in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

RUN mkdir /app && chown node:node /app
WORKDIR /app
USER node

# The workspaces' package.json files must be present for `npm ci`, so copy the tree (minus
# .dockerignore) and install. Dev dependencies stay (tsx for the scripts and SERVICE_LOADER=tsx).
COPY --chown=node:node . .
RUN npm ci
# The ONNX files converted from the TFJS graphs (tools/tfjs-onnx) are written only by models:fetch
# (services never convert at run time); their source is an npm package. Other models are fetched on
# first use as before.
RUN npm run models:fetch -- --only human-centernet,human-blazeface,human-emotion,human-centernet-onnx,human-blazeface-onnx,human-emotion-onnx

ENV HTTP_HOST=0.0.0.0
# Read by glibc when a service process starts, so set by its launcher (libs/shared/src/launch.ts:
# SERVICE_LAUNCH_ENV, which the supervisor and the test harness apply): two malloc arenas, not 8 per core.
ENV MALLOC_ARENA_MAX=2
CMD ["node", "-e", "console.error('choose a service: node --enable-source-maps scripts/bin/service.mjs <ingest|extract|fuse|score|dashboard>'); process.exit(2)"]
