#!/bin/bash
# fmkit Graviton boot: llama.cpp and the GGUF come from the kit's S3 bucket (built and copied
# once at deploy time), so boot needs no internet and only S3/Secrets Manager/CloudWatch.
set -euo pipefail

# @@SETTINGS@@

exec > >(tee -a /var/log/fmkit-boot.log | logger -t fmkit-boot) 2>&1
log() { echo "fmkit-boot: $*"; }

LLAMA_HOME=/opt/llama.cpp
MODEL_DIR=/opt/models
CONF_DIR=/etc/llama-server

log "installing the CloudWatch agent (logs only; serving does not depend on it)"
if dnf install -y -q amazon-cloudwatch-agent; then
  HAVE_CW_AGENT=1
else
  HAVE_CW_AGENT=0
  log "warning: amazon-cloudwatch-agent could not be installed; logs stay on the instance"
fi

id llama >/dev/null 2>&1 || useradd --system --home-dir "$LLAMA_HOME" --shell /sbin/nologin llama
install -d -m 0755 "$LLAMA_HOME" "$MODEL_DIR"
install -d -m 0750 -o root -g llama "$CONF_DIR"

log "fetching llama.cpp ${LLAMA_CPP_VERSION} from ${LLAMA_TARBALL_URI}"
aws s3 cp --only-show-errors --region "$REGION" "$LLAMA_TARBALL_URI" /tmp/llama-cpp.tar.gz
tar -xzf /tmp/llama-cpp.tar.gz -C "$LLAMA_HOME"
rm -f /tmp/llama-cpp.tar.gz
test -x "$LLAMA_HOME/bin/llama-server"

log "copying the model from ${MODEL_URI}"
aws s3 cp --only-show-errors --region "$REGION" "$MODEL_URI" "$MODEL_DIR/$MODEL_FILE.partial"
mv "$MODEL_DIR/$MODEL_FILE.partial" "$MODEL_DIR/$MODEL_FILE"
chmod 0444 "$MODEL_DIR/$MODEL_FILE"

if [ -n "$API_KEY_SECRET_ARN" ]; then
  log "reading the API key from Secrets Manager"
  umask 077
  aws secretsmanager get-secret-value --region "$REGION" --secret-id "$API_KEY_SECRET_ARN" \
    --query SecretString --output text > "$CONF_DIR/api-key"
  umask 022
  chown root:llama "$CONF_DIR/api-key"
  chmod 0440 "$CONF_DIR/api-key"
fi

printf 'LLAMA_ARGS="%s"\n' "$LLAMA_ARGS" > "$CONF_DIR/env"
chmod 0640 "$CONF_DIR/env"
chown root:llama "$CONF_DIR/env"

cat > /etc/systemd/system/llama-server.service <<UNIT
[Unit]
Description=llama.cpp server (fmkit ${PROJECT}/${ENVIRONMENT}/${DEPLOYMENT})
After=network-online.target
Wants=network-online.target

[Service]
User=llama
Group=llama
EnvironmentFile=${CONF_DIR}/env
ExecStart=${LLAMA_HOME}/bin/llama-server \$LLAMA_ARGS
Restart=always
RestartSec=5
LimitMEMLOCK=infinity
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
ReadOnlyPaths=${MODEL_DIR}
StandardOutput=append:/var/log/llama-server.log
StandardError=append:/var/log/llama-server.log

[Install]
WantedBy=multi-user.target
UNIT

if [ "$PUBLISH_CONCURRENCY" = "1" ]; then
  cat > /usr/local/bin/fmkit-publish-concurrency <<SCRIPT
#!/bin/bash
# Publishes llama-server requests processing + deferred (the autoscaling signal).
set -euo pipefail
auth=()
if [ -r "${CONF_DIR}/api-key" ]; then auth=(-H "Authorization: Bearer \$(cat "${CONF_DIR}/api-key")"); fi
metrics=\$(curl -fsS --max-time 5 "\${auth[@]}" "http://127.0.0.1:${PORT}/metrics") || exit 0
value=\$(printf '%s\n' "\$metrics" | awk '/^llamacpp:requests_(processing|deferred) /{s+=\$2} END{print s+0}')
aws cloudwatch put-metric-data --region "${REGION}" --namespace "${METRIC_NAMESPACE}" \
  --metric-name ConcurrentRequests --unit Count --value "\$value" \
  --dimensions "Project=${PROJECT},Environment=${ENVIRONMENT},Deployment=${DEPLOYMENT}"
SCRIPT
  chmod 0755 /usr/local/bin/fmkit-publish-concurrency
  cat > /etc/systemd/system/fmkit-publish-concurrency.service <<UNIT
[Unit]
Description=Publish llama-server concurrency to CloudWatch
After=llama-server.service

[Service]
Type=oneshot
User=root
ExecStart=/usr/local/bin/fmkit-publish-concurrency
UNIT
  cat > /etc/systemd/system/fmkit-publish-concurrency.timer <<UNIT
[Unit]
Description=Publish llama-server concurrency every 30 seconds

[Timer]
OnBootSec=60
OnUnitActiveSec=30
AccuracySec=1

[Install]
WantedBy=timers.target
UNIT
fi

if [ "$HAVE_CW_AGENT" = "1" ]; then
  cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<JSON
{"logs": {"logs_collected": {"files": {"collect_list": [
  {"file_path": "/var/log/llama-server.log", "log_group_name": "${LOG_GROUP}", "log_stream_name": "{instance_id}/llama-server"},
  {"file_path": "/var/log/fmkit-boot.log", "log_group_name": "${LOG_GROUP}", "log_stream_name": "{instance_id}/boot"}
]}}}}
JSON
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
    -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
fi

systemctl daemon-reload
systemctl enable --now llama-server.service
if [ "$PUBLISH_CONCURRENCY" = "1" ]; then
  systemctl enable --now fmkit-publish-concurrency.timer
fi

log "waiting for llama-server to load the model (GET /health answers 200 once ready)"
deadline=$((SECONDS + BOOT_TIMEOUT_SECONDS))
until curl -fsS --max-time 5 "http://127.0.0.1:${PORT}/health" >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "llama-server not healthy after ${BOOT_TIMEOUT_SECONDS}s; the load balancer will replace this instance"
    exit 1
  fi
  sleep 5
done
log "llama-server is healthy on port ${PORT}"
