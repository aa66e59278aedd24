# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The guardrail packages are npm workspaces: npm ci links them into node_modules/@tollgate.
COPY plugins ./plugins
# So is the admin UI (ui/): its package.json before npm ci, its sources before the build (which writes ui/dist).
COPY ui/package.json ./ui/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY ui ./ui
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production TOLLGATE_DATA_DIR=/data CONFIG_FILE_PATH=/app/config/config.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/plugins ./plugins
COPY --from=build /app/ui/package.json ./ui/
COPY --from=build /app/ui/dist ./ui/dist
COPY package.json ./
COPY bin ./bin
COPY config/demo.yaml ./config/config.yaml
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:4000/health/liveliness').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/tollgate.js"]
CMD ["--port", "4000", "--host", "0.0.0.0"]
