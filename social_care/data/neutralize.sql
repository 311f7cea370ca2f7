-- A neutralized copy of a database must never talk to the platforms.
UPDATE social_care_app
   SET client_secret = NULL, verify_token = NULL;
UPDATE social_care_account
   SET access_token = NULL, refresh_token = NULL, token_secret = NULL,
       state = 'disabled';
UPDATE social_care_message
   SET state = 'failed', error = 'Database neutralized: not sent.'
 WHERE state IN ('queued', 'sending', 'to_approve');
