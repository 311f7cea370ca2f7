-- A neutralized copy of a database must never talk to X.
UPDATE social_care_app
   SET twitter_client_secret = NULL, twitter_bearer_token = NULL;
UPDATE social_care_account
   SET twitter_oauth_state = NULL, twitter_code_verifier = NULL;
UPDATE social_care_twitter_query
   SET active = FALSE;
DELETE FROM social_care_twitter_token;
