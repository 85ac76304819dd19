# syntax=docker/dockerfile:1
# Build stage: install the toolchain and bundle the CLI (libraries included) into dist/.
FROM node:22-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
RUN node scripts/build.mjs

# Runtime stage: Node.js and the bundle only. No npm, no node_modules, no build tools.
FROM node:22-alpine AS runtime
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
COPY --from=build /src/dist /app/dist
ENV NODE_ENV=production
USER node
ENTRYPOINT ["node", "/app/dist/cli.cjs"]
CMD ["sync"]
