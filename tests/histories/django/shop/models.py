from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class Customer(models.Model):
    email = models.EmailField()
    full_name = models.CharField(max_length=100)
    phone = models.CharField(max_length=32, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(email=""), name="customer_email_not_blank"),
            models.UniqueConstraint(fields=("email",), condition=Q(deleted_at__isnull=True), name="customer_live_email_key"),
        ]


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    price = models.DecimalField(decimal_places=2, max_digits=10)
    active = models.BooleanField(default=True)
    category = models.ForeignKey(Category, null=True, on_delete=models.SET_NULL)

    class Meta:
        indexes = [
            models.Index(Lower("sku"), name="product_sku_lower_idx"),
            models.Index(fields=["name"], condition=Q(active=True), name="product_active_name_idx"),
        ]


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    status = models.CharField(max_length=20, default="new")
    total = models.DecimalField(decimal_places=2, max_digits=12, default=0)
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["status"], name="order_status_idx"),
            models.Index(fields=["created_at"], condition=Q(status="new"), name="order_open_created_idx"),
        ]


class LineItem(models.Model):
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(decimal_places=2, max_digits=10, default=0)


class Review(models.Model):
    product = models.ForeignKey(Product, related_name="reviews", on_delete=models.CASCADE)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    rating = models.SmallIntegerField()
    body = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_range"),
            models.UniqueConstraint(fields=("product", "customer"), name="review_once_per_customer"),
        ]
