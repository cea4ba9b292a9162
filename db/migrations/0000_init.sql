CREATE TABLE `component_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer
);
--> statement-breakpoint
CREATE TABLE `components` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`group_id` text,
	`position` integer DEFAULT 0 NOT NULL,
	`derived_status` text,
	`derived_at` integer,
	`override_status` text,
	`override_by` text,
	`override_reason` text,
	`override_expires_at` integer,
	`auto_incident` integer DEFAULT false NOT NULL,
	`runbook_url` text,
	`public` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer,
	FOREIGN KEY (`group_id`) REFERENCES `component_groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `components_group_idx` ON `components` (`group_id`);--> statement-breakpoint
CREATE TABLE `heartbeat_tokens` (
	`monitor_id` text PRIMARY KEY NOT NULL,
	`hash` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `monitor_state` (
	`monitor_id` text NOT NULL,
	`region` text NOT NULL,
	`status` text DEFAULT 'unknown' NOT NULL,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`consecutive_successes` integer DEFAULT 0 NOT NULL,
	`consecutive_slow` integer DEFAULT 0 NOT NULL,
	`consecutive_fast` integer DEFAULT 0 NOT NULL,
	`last_result_at` integer,
	`last_ok` integer,
	`last_latency_ms` real,
	`last_error` text,
	`changed_at` integer,
	PRIMARY KEY(`monitor_id`, `region`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `monitors` (
	`id` text PRIMARY KEY NOT NULL,
	`component_id` text,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`interval_ms` integer NOT NULL,
	`timeout_ms` integer NOT NULL,
	`regions` text NOT NULL,
	`settings` text NOT NULL,
	`down_after` integer DEFAULT 3 NOT NULL,
	`up_after` integer DEFAULT 2 NOT NULL,
	`degraded_latency_ms` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `probe_results` (
	`id` text PRIMARY KEY NOT NULL,
	`monitor_id` text NOT NULL,
	`region` text NOT NULL,
	`at` integer NOT NULL,
	`ok` integer NOT NULL,
	`latency_ms` real NOT NULL,
	`status_code` integer,
	`error` text,
	`tls_expires_at` integer,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `probe_results_series_at_idx` ON `probe_results` (`monitor_id`,`region`,`at`);--> statement-breakpoint
CREATE TABLE `rollups_day` (
	`series` text NOT NULL,
	`bucket` integer NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`good` integer DEFAULT 0 NOT NULL,
	`latency_count` integer DEFAULT 0 NOT NULL,
	`latency_sum` real DEFAULT 0 NOT NULL,
	`latency_max` real DEFAULT 0 NOT NULL,
	`le_50` integer DEFAULT 0 NOT NULL,
	`le_100` integer DEFAULT 0 NOT NULL,
	`le_200` integer DEFAULT 0 NOT NULL,
	`le_300` integer DEFAULT 0 NOT NULL,
	`le_500` integer DEFAULT 0 NOT NULL,
	`le_750` integer DEFAULT 0 NOT NULL,
	`le_1000` integer DEFAULT 0 NOT NULL,
	`le_2000` integer DEFAULT 0 NOT NULL,
	`le_5000` integer DEFAULT 0 NOT NULL,
	`le_10000` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`series`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `rollups_hour` (
	`series` text NOT NULL,
	`bucket` integer NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`good` integer DEFAULT 0 NOT NULL,
	`latency_count` integer DEFAULT 0 NOT NULL,
	`latency_sum` real DEFAULT 0 NOT NULL,
	`latency_max` real DEFAULT 0 NOT NULL,
	`le_50` integer DEFAULT 0 NOT NULL,
	`le_100` integer DEFAULT 0 NOT NULL,
	`le_200` integer DEFAULT 0 NOT NULL,
	`le_300` integer DEFAULT 0 NOT NULL,
	`le_500` integer DEFAULT 0 NOT NULL,
	`le_750` integer DEFAULT 0 NOT NULL,
	`le_1000` integer DEFAULT 0 NOT NULL,
	`le_2000` integer DEFAULT 0 NOT NULL,
	`le_5000` integer DEFAULT 0 NOT NULL,
	`le_10000` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`series`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `rollups_minute` (
	`series` text NOT NULL,
	`bucket` integer NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`good` integer DEFAULT 0 NOT NULL,
	`latency_count` integer DEFAULT 0 NOT NULL,
	`latency_sum` real DEFAULT 0 NOT NULL,
	`latency_max` real DEFAULT 0 NOT NULL,
	`le_50` integer DEFAULT 0 NOT NULL,
	`le_100` integer DEFAULT 0 NOT NULL,
	`le_200` integer DEFAULT 0 NOT NULL,
	`le_300` integer DEFAULT 0 NOT NULL,
	`le_500` integer DEFAULT 0 NOT NULL,
	`le_750` integer DEFAULT 0 NOT NULL,
	`le_1000` integer DEFAULT 0 NOT NULL,
	`le_2000` integer DEFAULT 0 NOT NULL,
	`le_5000` integer DEFAULT 0 NOT NULL,
	`le_10000` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`series`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `burn_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`slo_id` text NOT NULL,
	`rule` text NOT NULL,
	`severity` text NOT NULL,
	`state` text NOT NULL,
	`fired_at` integer NOT NULL,
	`resolved_at` integer,
	`long_burn_rate` real,
	`short_burn_rate` real,
	`long_window` text,
	`short_window` text,
	`threshold` real,
	FOREIGN KEY (`slo_id`) REFERENCES `slos`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `burn_alerts_slo_idx` ON `burn_alerts` (`slo_id`,`rule`);--> statement-breakpoint
CREATE TABLE `slo_events` (
	`id` text PRIMARY KEY NOT NULL,
	`slo_id` text NOT NULL,
	`at` integer NOT NULL,
	`good` integer NOT NULL,
	`total` integer NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `slos` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`service` text NOT NULL,
	`component_id` text,
	`sli_kind` text NOT NULL,
	`sli` text NOT NULL,
	`target` real NOT NULL,
	`window` text NOT NULL,
	`time_zone` text DEFAULT 'UTC' NOT NULL,
	`budgeting_method` text DEFAULT 'Occurrences' NOT NULL,
	`time_slice_target` real,
	`time_slice_window_ms` integer,
	`exclude_maintenance` integer DEFAULT true NOT NULL,
	`alert_rules` text,
	`policy` text,
	`public` integer DEFAULT false NOT NULL,
	`origin` text DEFAULT 'config' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer
);
--> statement-breakpoint
CREATE INDEX `slos_service_idx` ON `slos` (`service`);--> statement-breakpoint
CREATE TABLE `incident_components` (
	`incident_id` text NOT NULL,
	`component_id` text NOT NULL,
	`status` text NOT NULL,
	PRIMARY KEY(`incident_id`, `component_id`),
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `incident_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`impact` text NOT NULL,
	`component_status` text,
	`component_ids` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `incident_updates` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`status` text NOT NULL,
	`body` text NOT NULL,
	`display_at` integer NOT NULL,
	`author` text,
	`affected_components` text,
	`created_at` integer NOT NULL,
	`edited_at` integer,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `incident_updates_incident_idx` ON `incident_updates` (`incident_id`,`display_at`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`impact` text NOT NULL,
	`source` text DEFAULT 'manual' NOT NULL,
	`drill` integer DEFAULT false NOT NULL,
	`started_at` integer NOT NULL,
	`identified_at` integer,
	`monitoring_at` integer,
	`resolved_at` integer,
	`commander` text,
	`communications_lead` text,
	`template_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `incidents_started_idx` ON `incidents` (`started_at`);--> statement-breakpoint
CREATE INDEX `incidents_status_idx` ON `incidents` (`status`);--> statement-breakpoint
CREATE TABLE `maintenance_components` (
	`maintenance_id` text NOT NULL,
	`component_id` text NOT NULL,
	PRIMARY KEY(`maintenance_id`, `component_id`),
	FOREIGN KEY (`maintenance_id`) REFERENCES `maintenances`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `maintenance_updates` (
	`id` text PRIMARY KEY NOT NULL,
	`maintenance_id` text NOT NULL,
	`status` text NOT NULL,
	`body` text NOT NULL,
	`display_at` integer NOT NULL,
	`author` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`maintenance_id`) REFERENCES `maintenances`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `maintenance_updates_idx` ON `maintenance_updates` (`maintenance_id`,`display_at`);--> statement-breakpoint
CREATE TABLE `maintenances` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`body` text DEFAULT '' NOT NULL,
	`scheduled_for` integer NOT NULL,
	`scheduled_until` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	`recurrence` text,
	`parent_id` text,
	`notify_before_ms` integer DEFAULT 86400000 NOT NULL,
	`notified_ahead_at` integer,
	`drill` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `maintenances_window_idx` ON `maintenances` (`scheduled_for`,`scheduled_until`);--> statement-breakpoint
CREATE TABLE `near_misses` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`signal` text,
	`status` text DEFAULT 'new' NOT NULL,
	`title` text NOT NULL,
	`summary` text,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`dedupe_key` text,
	`monitor_id` text,
	`slo_id` text,
	`component_id` text,
	`region` text,
	`evidence` text,
	`budget_at_risk` real,
	`incident_id` text,
	`reporter` text,
	`anonymous` integer DEFAULT false NOT NULL,
	`discovered_at` integer,
	`discovered_how` text,
	`what_happened` text,
	`stopped_by` text,
	`worst_outcome` text,
	`contributing_factors` text,
	`recurrence_likelihood` text,
	`links` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `near_misses_dedupe_idx` ON `near_misses` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `near_misses_started_idx` ON `near_misses` (`started_at`);--> statement-breakpoint
CREATE INDEX `near_misses_signal_idx` ON `near_misses` (`signal`,`status`);--> statement-breakpoint
CREATE TABLE `action_items` (
	`id` text PRIMARY KEY NOT NULL,
	`postmortem_id` text,
	`near_miss_id` text,
	`title` text NOT NULL,
	`owner` text,
	`priority` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`due_at` integer,
	`closed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`postmortem_id`) REFERENCES `postmortems`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`near_miss_id`) REFERENCES `near_misses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `action_items_postmortem_idx` ON `action_items` (`postmortem_id`);--> statement-breakpoint
CREATE INDEX `action_items_near_miss_idx` ON `action_items` (`near_miss_id`);--> statement-breakpoint
CREATE TABLE `postmortems` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`visibility` text DEFAULT 'internal' NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`root_cause` text DEFAULT '' NOT NULL,
	`contributing_factors` text,
	`where_we_got_lucky` text DEFAULT '' NOT NULL,
	`lessons` text DEFAULT '' NOT NULL,
	`author` text,
	`published_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `postmortems_incident_id_unique` ON `postmortems` (`incident_id`);--> statement-breakpoint
CREATE TABLE `changes` (
	`id` text PRIMARY KEY NOT NULL,
	`service` text NOT NULL,
	`kind` text DEFAULT 'deploy' NOT NULL,
	`version` text,
	`at` integer NOT NULL,
	`author` text,
	`link` text,
	`description` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `changes_at_idx` ON `changes` (`at`);--> statement-breakpoint
CREATE INDEX `changes_service_idx` ON `changes` (`service`,`at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`topic` text NOT NULL,
	`subscriber_id` text,
	`target` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`delivered_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `subscribers` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`secret` text,
	`component_ids` text,
	`confirm_token_hash` text,
	`confirmed_at` integer,
	`unsubscribe_token` text NOT NULL,
	`unsubscribed_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_kind_target_idx` ON `subscribers` (`kind`,`target`);--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash_unique` ON `api_tokens` (`hash`);--> statement-breakpoint
CREATE TABLE `app_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`request_id` text,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_log_target_idx` ON `audit_log` (`target_type`,`target_id`);--> statement-breakpoint
CREATE TABLE `alertmanager_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`alertname` text,
	`status` text NOT NULL,
	`labels` text NOT NULL,
	`annotations` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer,
	`generator_url` text,
	`route_index` integer,
	`action` text,
	`component_ids` text NOT NULL,
	`incident_id` text,
	`near_miss_id` text,
	`deliveries` integer DEFAULT 1 NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alertmanager_alerts_incident_idx` ON `alertmanager_alerts` (`incident_id`);--> statement-breakpoint
CREATE INDEX `alertmanager_alerts_unmapped_idx` ON `alertmanager_alerts` (`route_index`,`last_seen_at`);--> statement-breakpoint
CREATE TABLE `alertmanager_deliveries` (
	`key` text PRIMARY KEY NOT NULL,
	`group_key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`starts_at` integer NOT NULL,
	`status` text NOT NULL,
	`outcome` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alertmanager_deliveries_received_idx` ON `alertmanager_deliveries` (`received_at`);