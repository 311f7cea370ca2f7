def commit(env):
    """Make one unit of cron work final before the next (an event batch, a send).

    Tests run in one transaction they roll back: they set the context key
    ``social_care_no_commit``.
    """
    if not env.context.get("social_care_no_commit"):
        env.cr.commit()  # pylint: disable=invalid-commit
