#!/bin/bash
# fmkit Graviton instance boot. llama.cpp and the GGUF come from the kit's S3 bucket (built and
# copied once at deploy time), so boot needs no internet, only S3, Secrets Manager, CloudWatch and
# EC2 Auto Scaling.
#
# cloud-init runs this file once, on the first boot (`install`): it copies itself to
# /usr/local/sbin/fmkit-boot and enables a unit that runs it (`boot`) on every boot. Warm-pool
# instances are stopped as soon as they launch and cloud-init does not run user data again, so
# the work happens in that unit: idempotent (what is on disk and matches its pin is kept), then
# llama-server, then the launch lifecycle hook is released once /health answers 200 — CONTINUE,
# or ABANDON when the boot fails or runs out of time, so the group replaces the instance.
set -euo pipefail

# @@SETTINGS@@

readonly BOOT_SCRIPT=/usr/local/sbin/fmkit-boot
readonly BOOT_LOG=/var/log/fmkit-boot.log
readonly IMDS=http://169.254.169.254/latest

log() { echo "fmkit-boot: $(date -u +%H:%M:%S) $*"; }

# --- first boot: install the per-boot service ----------------------------------------------

install_boot_service() {
  install -m 0700 "${BASH_SOURCE[0]}" "$BOOT_SCRIPT"
  cat > /etc/systemd/system/fmkit-boot.service <<UNIT
[Unit]
Description=fmkit: prepare and start llama-server, release the Auto Scaling launch hook
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${BOOT_SCRIPT} boot
StandardOutput=append:${BOOT_LOG}
StandardError=append:${BOOT_LOG}

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable fmkit-boot.service
  systemctl start --no-block fmkit-boot.service
  log "installed ${BOOT_SCRIPT}; it runs on this and every later boot"
}

# --- every boot: prepare (idempotent) ------------------------------------------------------

install_cloudwatch_agent() {
  if rpm -q amazon-cloudwatch-agent >/dev/null 2>&1; then return 0; fi
  log "installing the CloudWatch agent (logs only; serving does not depend on it)"
  dnf install -y -q amazon-cloudwatch-agent \
    || log "warning: amazon-cloudwatch-agent could not be installed; logs stay on the instance"
}

ensure_user_and_dirs() {
  id llama >/dev/null 2>&1 || useradd --system --home-dir "$LLAMA_HOME" --shell /sbin/nologin llama
  install -d -m 0755 "$LLAMA_HOME" "$MODEL_DIR"
  install -d -m 0750 -o root -g llama "$CONF_DIR"
}

fetch_llama() {
  if [ -x "$LLAMA_HOME/bin/llama-server" ] \
      && [ "$(cut -d ' ' -f 1,2 "$LLAMA_HOME/VERSION" 2>/dev/null)" = "$LLAMA_BUILD_ID" ]; then
    log "llama.cpp ${LLAMA_CPP_VERSION} is installed"
    return 0
  fi
  log "fetching llama.cpp ${LLAMA_CPP_VERSION} from ${LLAMA_TARBALL_URI}"
  local tarball
  tarball="$(mktemp)"
  aws s3 cp --only-show-errors --region "$REGION" "$LLAMA_TARBALL_URI" "$tarball"
  tar -xzf "$tarball" -C "$LLAMA_HOME"
  rm -f "$tarball"
  test -x "$LLAMA_HOME/bin/llama-server"
}

model_digest() { sha256sum "$1" | cut -d ' ' -f 1; }

# A GGUF, and the pinned one when model.sha256 is set.
model_is_valid() {
  if [ ! -f "$1" ] || [ "$(head -c 4 "$1")" != "GGUF" ]; then return 1; fi
  if [ -n "$MODEL_SHA256" ]; then [ "$(model_digest "$1")" = "$MODEL_SHA256" ]; fi
}

fetch_model() {
  local model="$MODEL_DIR/$MODEL_FILE"
  if model_is_valid "$model"; then
    log "model ${MODEL_FILE} is on disk${MODEL_SHA256:+ and matches its sha256}: not copying it again"
    return 0
  fi
  log "copying the model from ${MODEL_URI}"
  rm -f "$model" "$model.partial"
  aws s3 cp --only-show-errors --region "$REGION" "$MODEL_URI" "$model.partial"
  if ! model_is_valid "$model.partial"; then
    log "error: ${MODEL_URI} is not the pinned GGUF (sha256 $(model_digest "$model.partial"), pinned ${MODEL_SHA256:-none})"
    rm -f "$model.partial"
    return 1
  fi
  if [ -z "$MODEL_SHA256" ]; then
    log "model sha256 is $(model_digest "$model.partial") (not pinned: set model.sha256 to pin it)"
  fi
  chmod 0444 "$model.partial"
  mv -f "$model.partial" "$model"
}

# The secret is JSON {"api_key": "..."} (the kit generates that) or the bare key (yours); clients
# send the same value either way. Reads the secret on stdin, prints the key.
bare_api_key() {
  python3 -c '
import json, sys
text = sys.stdin.read()
try:
    value = json.loads(text)
except ValueError:
    value = text
if isinstance(value, dict):
    value = value.get("api_key")
if not isinstance(value, str) or not value.strip() or "\n" in value.strip():
    sys.exit("the API key secret holds neither a key nor JSON with an api_key field")
print(value.strip())
'
}

# Read on every boot, so a started warm-pool instance serves the current key after a rotation.
write_api_key() {
  if [ -z "$API_KEY_SECRET_ARN" ]; then return 0; fi
  log "reading the API key from Secrets Manager"
  local secret key
  secret="$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$API_KEY_SECRET_ARN" \
    --query SecretString --output text)"
  key="$(printf '%s' "$secret" | bare_api_key)"
  (umask 077 && printf '%s\n' "$key" > "$CONF_DIR/api-key.new")
  chown root:llama "$CONF_DIR/api-key.new"
  chmod 0440 "$CONF_DIR/api-key.new"
  mv -f "$CONF_DIR/api-key.new" "$CONF_DIR/api-key"
}

write_server_unit() {
  printf 'LLAMA_ARGS="%s"\n' "$LLAMA_ARGS" > "$CONF_DIR/env"
  chmod 0640 "$CONF_DIR/env"
  chown root:llama "$CONF_DIR/env"
  # No [Install]: fmkit-boot starts it on every boot once the model and the key are in place.
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
UNIT
}

write_concurrency_publisher() {
  if [ "$PUBLISH_CONCURRENCY" != "1" ]; then return 0; fi
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
}

configure_cloudwatch_agent() {
  local ctl=/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
  if [ ! -x "$ctl" ]; then return 0; fi
  cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<JSON
{"logs": {"logs_collected": {"files": {"collect_list": [
  {"file_path": "/var/log/llama-server.log", "log_group_name": "${LOG_GROUP}", "log_stream_name": "{instance_id}/llama-server"},
  {"file_path": "${BOOT_LOG}", "log_group_name": "${LOG_GROUP}", "log_stream_name": "{instance_id}/boot"}
]}}}}
JSON
  "$ctl" -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json \
    || log "warning: the CloudWatch agent did not start; logs stay on the instance"
}

start_serving() {
  systemctl daemon-reload
  systemctl restart llama-server.service
  if [ "$PUBLISH_CONCURRENCY" = "1" ]; then
    systemctl enable --now fmkit-publish-concurrency.timer
  fi
}

# --- every boot: release the launch lifecycle hook ----------------------------------------

imds() {
  local token
  token="$(curl -fsS --max-time 5 -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")" \
    || return 1
  curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: $token" "$IMDS/meta-data/$1"
}

# InService, Warmed:Stopped, Warmed:Running…: where the group is taking this instance (empty
# outside an Auto Scaling group).
target_lifecycle_state() { imds autoscaling/target-lifecycle-state 2>/dev/null || true; }

wait_until_healthy() {  # $1: deadline, in $SECONDS
  until curl -fsS --max-time 5 "http://127.0.0.1:${PORT}/health" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$1" ]; then return 1; fi
    sleep 5
  done
}

complete_lifecycle_action() {  # $1: CONTINUE or ABANDON
  local instance attempt
  if ! instance="$(imds instance-id)"; then
    log "warning: no instance id from the metadata service; lifecycle action $1 not sent"
    return 0
  fi
  for attempt in 1 2 3; do
    if aws autoscaling complete-lifecycle-action --region "$REGION" --auto-scaling-group-name "$GROUP_NAME" \
        --lifecycle-hook-name "$LIFECYCLE_HOOK" --instance-id "$instance" --lifecycle-action-result "$1"; then
      log "lifecycle action completed: $1"
      return 0
    fi
    log "complete-lifecycle-action $1 failed (attempt $attempt)"
    sleep "$LIFECYCLE_POLL_SECONDS"
  done
  log "warning: lifecycle action $1 not completed: none pending (a reboot in service) or the API is unreachable"
}

# Release the hook at every transition the group starts: into the warm pool, into service (also
# later, from a running warm pool, without a reboot) and back into the pool on scale-in.
follow_lifecycle() {
  local released="" target
  while :; do
    target="$(target_lifecycle_state)"
    if [ -n "$target" ] && [ "$target" != "$released" ]; then
      log "target lifecycle state: ${target}"
      case "$target" in
        InService)
          if wait_until_healthy $((SECONDS + BOOT_TIMEOUT_SECONDS)); then
            complete_lifecycle_action CONTINUE
          else
            complete_lifecycle_action ABANDON
          fi ;;
        Warmed:*) complete_lifecycle_action CONTINUE ;;
      esac
      released="$target"
    fi
    sleep "$LIFECYCLE_POLL_SECONDS"
  done
}

abandon_unless_ready() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    log "boot failed (exit ${status}): abandoning the launch so the group replaces this instance"
    complete_lifecycle_action ABANDON
  fi
}

boot() {
  local deadline=$((SECONDS + BOOT_TIMEOUT_SECONDS))
  exec 9>/run/fmkit-boot.lock
  if ! flock -n 9; then
    log "another fmkit-boot run holds the lock"
    return 0
  fi
  trap abandon_unless_ready EXIT
  log "boot of ${PROJECT}/${ENVIRONMENT}/${DEPLOYMENT} (target: $(target_lifecycle_state))"
  install_cloudwatch_agent
  ensure_user_and_dirs
  fetch_llama
  fetch_model
  write_api_key
  write_server_unit
  write_concurrency_publisher
  configure_cloudwatch_agent
  start_serving
  log "waiting for llama-server to load the model (GET /health answers 200 once ready)"
  if ! wait_until_healthy "$deadline"; then
    log "llama-server not healthy after ${BOOT_TIMEOUT_SECONDS}s"
    exit 1
  fi
  log "llama-server is healthy on port ${PORT}"
  trap - EXIT
  follow_lifecycle
}

main() {
  case "${1:-install}" in
    install) install_boot_service >>"$BOOT_LOG" 2>&1 ;;
    boot) boot ;;
    *) echo "usage: $0 [install|boot]" >&2; exit 2 ;;
  esac
}

main "$@"
