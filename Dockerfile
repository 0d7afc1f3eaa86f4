# One image recipe for every service; docker-compose.yml picks the service with the build arg
# SERVICE (a folder under services/). Packages are source-first TypeScript run by tsx, so the
# image keeps the workspace layout and its dev tooling.
FROM node:20-slim

WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund

ARG SERVICE
RUN test -n "${SERVICE}" && test -f "services/${SERVICE}/package.json" \
  || { echo "build arg SERVICE must name a folder under services/ (got '${SERVICE}')" >&2; exit 1; }
ENV SERVICE=${SERVICE} \
    NODE_ENV=production \
    NX_DAEMON=false \
    NX_NO_CLOUD=true

# Services keep local table state under .data/<service> (classic-level), a named volume in
# docker-compose.yml. Docker seeds an empty named volume from the image's directory, ownership
# included: the directory must exist here and belong to the user, or the volume is root's.
RUN mkdir -p "/app/.data/${SERVICE}" && chown -R node:node /app/.data
USER node
EXPOSE 4101-4105
CMD ["sh", "-c", "exec npm start -w \"services/${SERVICE}\""]
