// Column lists for reading the emails table back into the shapes the SQLite backend's mappers take.
export const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** Same names and types as SQLite's SUMMARY_COLUMNS (created_at as ISO text), so the mappers are shared. */
export const summaryColumns = (t = '') => `${t}id, to_char(${t}created_at AT TIME ZONE 'UTC', ${ISO}) AS created_at, ${t}from_address,
  ${t}to_addresses, ${t}subject, ${t}provider_id, ${t}provider_name, ${t}provider_type, ${t}status, ${t}processing_time_ms,
  ${t}message_id, ${t}error_message, ${t}source, ${t}attempt_count, ${t}api_key, ${t}delivery_status, ${t}send_at`;

export const SUMMARY_COLUMNS = summaryColumns();

export const ATTEMPT_COLUMNS = `provider_id, provider_name, provider_type, started_at, duration_ms, ok::int AS ok, error, error_class`;
