"""mentorbot: keeps mentor programmes for immigrants on track."""
