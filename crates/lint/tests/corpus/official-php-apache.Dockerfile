FROM php:8.3-apache
RUN a2enmod rewrite headers
# expect: PL403
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends libzip-dev libpng-dev; \
    docker-php-ext-install -j"$(nproc)" zip gd; \
    rm -rf /var/lib/apt/lists/*
COPY --chown=www-data:www-data . /var/www/html/
USER www-data
