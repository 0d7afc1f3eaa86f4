# One image recipe for every service; docker-compose.yml picks the service with the build arg
# SERVICE (a folder under services/).
#
# Stage `build` installs everything (patch-package patches kafkajs on postinstall), compiles every
# package (npm run build: src/*.ts -> dist/*.js with source maps), then prunes the dev
# dependencies: `npm prune` removes packages and runs no install scripts, so the patched kafkajs
# stays patched (a fresh `npm ci --omit=dev` could not apply the patch: patch-package is a dev
# tool). The runtime stage holds only what plain `node` needs (scripts/runtime-files.sh:
# package.json files, dist/, the console's public/, production node_modules) and runs as `node`:
# no sources, so none of the services' sim/ folders (simulators, oracles, benches), which the
# build does not compile either (docs/architecture.md, "Runtime apart from simulators").
FROM node:20-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
  && npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && sh scripts/runtime-files.sh /runtime

FROM node:20-slim AS runtime
WORKDIR /app
# Root-owned and read-only for the service: it writes nothing but its DATA_DIR.
COPY --from=build /runtime/ /app/

ARG SERVICE
RUN test -n "${SERVICE}" && test -f "services/${SERVICE}/dist/main.js" \
  || { echo "build arg SERVICE must name a folder under services/ (got '${SERVICE}')" >&2; exit 1; }
ENV SERVICE=${SERVICE} \
    NODE_ENV=production \
    MALLOC_ARENA_MAX=2

# Services keep local table state under .data/<service> (classic-level), a named volume in
# docker-compose.yml. Docker seeds an empty named volume from the image's directory, ownership
# included: the directory must exist here and belong to the user, or the volume is root's.
RUN mkdir -p "/app/.data/${SERVICE}" && chown -R node:node /app/.data
USER node
EXPOSE 4100-4105
# Plain node on the built service, as `npm start` runs it (scripts/service-command.ts):
# --conditions=dist resolves the @showcase/* packages to their dist/ as well.
CMD ["sh", "-c", "exec node --conditions=dist --enable-source-maps \"services/${SERVICE}/dist/main.js\""]
