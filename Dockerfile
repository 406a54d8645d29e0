# The bot's image: compiled from the sources here, run as `node dist/main.js` by the image's
# non-root `node` user. CI cannot run Docker; `npm run test:production` (test/production) runs
# this file's production install (`npm ci --omit=dev` on package.json, package-lock.json and
# scripts/prepare.mjs, then dist/ beside it), starts the bot with this CMD, probes it with this
# HEALTHCHECK and stops it with SIGTERM.
#
#   docker build -t espo-slack .
#   docker run --init --stop-timeout 30 --env-file .env -p 3000:3000 -v espo-slack-data:/app/data espo-slack

# The Node that CI runs (Node 20, Debian bookworm like CI's machines).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# 1. Compile the TypeScript. tsc needs no native addon, so install scripts are skipped: better-sqlite3
#    is not compiled for nothing, and npm's prepare does not try to build before src/ is here.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. The production dependencies, installed clean rather than pruned from the full install: no dev
#    dependency is ever installed, and this is the very install CI's production check runs.
#    better-sqlite3 takes a prebuilt binary when one matches and compiles itself otherwise, which
#    needs python3, make and g++ (this stage only; the runtime image has no compiler).
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prepare.mjs ./scripts/
RUN npm ci --omit=dev --no-audit --no-fund

# 3. What runs: Node, the production node_modules and dist/, owned by root and read-only to the
#    bot; only the SQLite default's directory (a volume) is the bot's to write.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# Liveness through Node itself (the slim image has no curl): /healthz on the bot's PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
# Node itself, not npm or a shell: SIGTERM (docker stop, a rolling deploy) reaches the bot, which
# finishes the work in hand within SHUTDOWN_GRACE_SECONDS (docs/operations.md). Run the container
# with an init (`--init`, compose's `init: true`) so a SIGTERM during start-up ends it too.
CMD ["node", "dist/main.js"]
