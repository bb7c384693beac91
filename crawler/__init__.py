"""essforge crawler: Scrapy spiders for GitHub, GitLab and Gitea/Forgejo forges."""
